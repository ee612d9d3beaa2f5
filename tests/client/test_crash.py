"""A writer killed with SIGKILL at random points: on reopen the database is
intact and every change the writer acknowledged (after its commit) is there."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.client.test_cache import seed
from zhumeng_tui.cache.store import Cache

pytestmark = pytest.mark.slow

CHILD = textwrap.dedent(
    """
    import sys
    from zhumeng_tui.cache.outbox import Mutation, MutationItem
    from zhumeng_tui.cache.store import Cache
    cache = Cache(sys.argv[1])
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        aid = 1 + i % 5
        rec = cache.get_record("application", aid)
        m = Mutation("record", "POST", f"/applications/{aid}/actions", {"action": "return", "reason": f"r{i}"},
                     [MutationItem("application", aid, {**rec, "reason": f"r{i}"})], if_match=rec["version"])
        seq = cache.outbox.add(m)
        print(seq, flush=True)  # acknowledged: committed
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_never_loses_an_acknowledged_entry(tmp_path: Path) -> None:
    path = tmp_path / "crash.sqlite3"
    c = Cache(path)
    seed(c)
    c.close()
    rng = random.Random(7)
    acked: list[int] = []
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for _round in range(6):
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True, env=env)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + rng.uniform(0.05, 0.4)
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if line.strip().isdigit():
                acked.append(int(line))
        proc.send_signal(signal.SIGKILL)
        rest = proc.stdout.read()  # lines already written before the kill were acknowledged too
        acked += [int(x) for x in rest.split() if x.isdigit()]
        proc.wait()
        c = Cache(path)
        assert c.integrity_ok()
        seqs = [e.seq for e in c.outbox.entries()]
        assert seqs == list(range(1, len(seqs) + 1)), "gap-free"
        assert set(acked) <= set(seqs), "every acknowledged entry survived"
        for e in c.outbox.entries():
            assert len(e.items) == 1 and e.state == "pending"  # never half an entry
        # the optimistic mirror update was in the same transaction as the newest entry
        last = c.outbox.entries()[-1]
        rec = c.get_record("application", last.items[0].rid)
        assert rec is not None and rec["reason"] == last.body["reason"]
        c.close()
    assert len(acked) > 20
