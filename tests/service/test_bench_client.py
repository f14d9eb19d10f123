"""bench-api's lean load generator: whole responses read (length, chunked, close), real
multipart requests the API accepts, one new job per request."""

from __future__ import annotations

import asyncio
import uuid

from bench.api import _PDF_PREFIX, FILE_BYTES, RawHttpClient, _multipart_parts
from finscribe.api.uploads import sniff_content_type


async def _serve(responses: list[bytes]) -> tuple[asyncio.Server, int, list[bytes]]:
    """A server answering each request on a connection with the next canned response."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while responses:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            seen.append(head + await reader.readexactly(length))
            response = responses.pop(0)
            writer.write(response)
            await writer.drain()
            if b"connection: close" in response.lower():
                break
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], seen


async def test_reads_length_chunked_and_close_responses() -> None:
    responses = [
        b'HTTP/1.1 202 Accepted\r\ncontent-length: 13\r\n\r\n{"job_id":1}\n',
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
        b"4\r\nab\r\n\r\n3\r\ncde\r\n0\r\n\r\n",
        b"HTTP/1.1 503 Unavailable\r\nconnection: close\r\ncontent-length: 2\r\n\r\nno",
    ]
    server, port, seen = await _serve(responses)
    client = RawHttpClient("127.0.0.1", port)
    try:
        request = [f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()]
        assert await client.request(request) == (202, b'{"job_id":1}\n')
        assert await client.request(request) == (200, b"ab\r\ncde")
        assert await client.request(request) == (503, b"no")
        assert client.writer is None  # closed after "connection: close"
        assert len(seen) == 3  # all three on the one keep-alive connection
    finally:
        await client.close()
        server.close()
        await server.wait_closed()


async def test_multipart_request_is_well_formed_and_distinct() -> None:
    server, port, seen = await _serve([b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n"] * 2)
    url = f"http://127.0.0.1:{port}"
    boundary = uuid.uuid4().hex
    head, closing, filler = _multipart_parts(url, "fsk_test", boundary)
    client = RawHttpClient("127.0.0.1", port)
    try:
        for _ in range(2):
            body = [head, _PDF_PREFIX + uuid.uuid4().bytes, filler, closing]
            assert (await client.request(body))[0] == 202
    finally:
        await client.close()
        server.close()
        await server.wait_closed()
    files = []
    for raw in seen:
        header, _, payload = raw.partition(b"\r\n\r\n")
        assert b"POST /api/v1/analyze HTTP/1.1" in header
        assert b"Authorization: Bearer fsk_test" in header
        assert f"boundary={boundary}".encode() in header
        part_head, _, rest = payload.partition(b"\r\n\r\n")
        assert b'name="file"; filename="bench.pdf"' in part_head
        content = rest.removesuffix(f"\r\n--{boundary}--\r\n".encode())
        assert len(content) == FILE_BYTES
        assert sniff_content_type(content[:2048]) == "application/pdf"
        files.append(content)
    assert files[0] != files[1]
