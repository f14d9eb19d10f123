"""Test-session wiring: each domain's fixtures live in tests/fixtures/ and are registered here."""

pytest_plugins = [
    "tests.fixtures.docs",
    "tests.fixtures.services",
    "tests.fixtures.triton",
    "tests.fixtures.kube",
]
