"""Pages never issue one query per row: the number of statements a page run sends does not grow
with the size of the event (the 400-person demo conference against the 60-person partner day)."""

from __future__ import annotations

import pytest

from eventflow.demo import DEMO_OWNER_EMAIL, OTHER_OWNER_EMAIL
from tests.conftest import app_pages, statements_of_page_run


def _statements_for(open_app, database, email: str, page: str) -> int:
    at = open_app(database, email, timeout=60)
    return len(statements_of_page_run(database, at, page))


@pytest.mark.parametrize("page", app_pages("owner"))
def test_queries_per_page_do_not_grow_with_the_event(demo_database, open_app, page) -> None:
    large = _statements_for(open_app, demo_database, DEMO_OWNER_EMAIL, page)     # 400 participants
    small = _statements_for(open_app, demo_database, OTHER_OWNER_EMAIL, page)    # 60 participants
    assert large == small
    assert 0 < large < 40  # a handful per section, not one per person or table
