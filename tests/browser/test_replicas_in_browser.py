"""Two dashboard processes behind HAProxy (``eventflow.serve``, what ``python -m eventflow serve
--processes 2`` starts): pages load through the proxy, the websocket works through it, and each
browser sticks to the process that served it first."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from eventflow.demo import DEMO_EVENT_ID, DEMO_MANAGER_EMAIL
from eventflow.serve import STICKY_COOKIE, Cluster, haproxy_binary, start_cluster, stop_cluster
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import no_exception, open_page, rerun_after

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def cluster(browser_database) -> Iterator[Cluster]:
    haproxy_binary()  # fails with the apt-get line when HAProxy is missing (.ci/run installs it)
    running = start_cluster(browser_database, DEMO_MANAGER_EMAIL, 2, ARTIFACTS / "replicas")
    yield running
    stop_cluster(running)


def test_two_processes_serve_organisers_through_the_proxy(cluster, chromium) -> None:
    contexts = [chromium.new_context(viewport={"width": 1400, "height": 900}) for _ in range(2)]
    try:
        replicas = []
        for index, context in enumerate(contexts):
            page = context.new_page()
            page.set_default_timeout(60_000)
            open_page(page, f"{cluster.url}/seating_editor?event={DEMO_EVENT_ID}")
            page.get_by_text("of 400 participants shown").first.wait_for()
            # A round trip over the websocket, through HAProxy, to the same process.
            search = page.locator("input[aria-label='Search']")
            search.fill("zzz-nobody")
            rerun_after(page, lambda box=search: box.press("Enter"))
            page.get_by_text("0 of 400 participants shown").wait_for()
            assert no_exception(page)
            page.screenshot(path=str(ARTIFACTS / f"replicas-organiser-{index + 1}.png"))
            cookies = {c["name"]: c["value"] for c in context.cookies()}
            replicas.append(cookies[STICKY_COOKIE])
        # The second organiser went to the other process (least connections), each stays there.
        assert sorted(replicas) == ["replica1", "replica2"]
        for process in cluster.replicas:
            assert process.process.poll() is None
    finally:
        for context in contexts:
            context.close()
