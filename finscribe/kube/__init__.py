"""Kubernetes adapter: a small async client for DocumentJob resources and Leases.

How the API creates a DocumentJob in `kubernetes` submit mode::

    from finscribe.kube import config, client, resources
    async with client.KubeClient(config.load()) as kube:
        obj = await client.DocumentJobClient(kube).create_document_job(ns, None, spec,
                                                                      generate_name="upload-")
    job_id = resources.job_id_for(obj["metadata"]["uid"], obj["metadata"].get("generation", 1))
"""
