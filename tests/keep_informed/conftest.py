"""The keep-informed tests work at the same desk as the reply-by tests (issue 13): its fixtures, not a copy."""

from tests.replies.conftest import anna, bram, customer, lead, system, team  # noqa: F401 - pytest fixtures
