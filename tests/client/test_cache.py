"""The local cache: files and permissions, schema versions, masking, search."""

from __future__ import annotations

import json
import sqlite3
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from zhumeng_tui.api_client.feed import FeedChange
from zhumeng_tui.cache import pinyin, schema
from zhumeng_tui.cache.outbox import ItemOutcome, Mutation, MutationItem
from zhumeng_tui.cache.pinyin import name_pinyin
from zhumeng_tui.cache.store import ROWS_PER_INSERT, Cache, cache_path


def ch(rtype: str, rid: int, seq: int, data: dict[str, Any] | None = None, *, version: int = 1,
       deleted: bool = False) -> FeedChange:
    d = None if deleted else {"id": rid, **(data or {})}
    return FeedChange.of(rtype, rid, seq, d, version=version, deleted=deleted)


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def seed_changes() -> tuple[list[FeedChange], int]:
    """A department, an employer and its position, five students with an application each; and the last seq."""
    changes = [
        ch("department", 1, 1, {"university_id": 1, "name": "计算机学院"}),
        ch("employer", 1, 2, {"name": "成都某公司", "type": "企业", "region": "成都市", "certifying_committee": "x"}),
        ch("position", 1, 3, {"employer_id": 1, "title": "实习生", "region": "成都市", "type": "企业", "quota": 3,
                               "start_date": "2026-03-01", "end_date": "2026-06-01"}),
    ]
    names = ["张三", "李四", "欧阳娜娜", "王五", "张三丰"]
    seq = 10
    for i, name in enumerate(names, start=1):
        changes.append(ch("student", i, seq, {"department_id": 1, "university_id": 1, "name": name,
                                               "student_no": f"20220100{i:02d}", "phone": "1",
                                               "id_number_masked": "510104200001011234"}))
        changes.append(ch("application", i, seq + 1, {
            "student_id": i, "position_id": 1, "department_id": 1, "university_id": 1,
            "status": "matched", "applied_at": "2026-01-01T00:00:00Z",
            "checks": [{"check": "realname", "result": "fail" if i == 2 else "pass",
                        "reason_zh": "x", "reason_en": "x"}]}))
        seq += 2
    return changes, seq


def seed(cache: Cache) -> None:
    cache.apply_changes(*seed_changes())


def test_files_are_private(tmp_path: Path) -> None:
    p = cache_path("http://server", "demo-univ", tmp_path / "data")
    c = Cache(p)
    seed(c)
    assert mode(p.parent) == 0o700
    for suffix in ("", "-wal", "-shm"):
        f = Path(str(p) + suffix)
        if f.exists():
            assert mode(f) == 0o600, suffix
    assert c.conn().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert c.conn().execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    c.close()


def test_one_database_per_server_and_account(tmp_path: Path) -> None:
    a = cache_path("http://a", "u1", tmp_path)
    assert a != cache_path("http://a", "u2", tmp_path)
    assert a != cache_path("http://b", "u1", tmp_path)
    assert a == cache_path("http://a/", "u1", tmp_path)


def test_id_numbers_stored_masked(tmp_path: Path) -> None:
    c = Cache(tmp_path / "c.sqlite3")
    seed(c)
    raw = c.conn().execute("SELECT group_concat(data) FROM m_student").fetchone()[0]
    assert "510104200001011234" not in raw
    assert c.get_record("student", 1)["id_number_masked"] == "5101**********1234"  # type: ignore[index]
    c.close()


def test_pinyin() -> None:
    assert name_pinyin("张三") == ("zhangsan", "zs")
    assert name_pinyin("欧阳娜娜")[1] == "oynn"
    assert name_pinyin("吕女士") == ("lvnvshi", "lns")  # ü is written v, as pypinyin writes it
    assert name_pinyin("阿依古丽·买买提") == ("ayigulimaimaiti", "ayglmmt")  # the dot has no reading
    assert name_pinyin("Li Ｍing") == ("liing", "liing")  # ASCII letters stay; spaces and full-width go


def test_pinyin_reads_as_pypinyin_does() -> None:
    """The table read without importing pypinyin gives, for a character,
    what pypinyin's own ``lazy_pinyin`` gives (every third character of the
    table, and characters it has no reading for)."""
    from pypinyin import Style, lazy_pinyin

    table = pinyin._table()
    chars = [chr(int(k)) for k in sorted(table, key=int)[::3]] + list("绿女呣嗯欸·ＡéÅ〇")
    for c in chars:
        want = lazy_pinyin(c, style=Style.NORMAL, errors="ignore")
        reading = want[0].lower() if want and want[0] else ""
        assert pinyin._char(c) == (reading, reading[:1]), c


def test_pinyin_without_the_table_file_imports_pypinyin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pinyin, "TABLE_FILE", "no-such-file.json")
    pinyin._table.cache_clear()
    try:
        assert pinyin._table() == json.loads(
            (Path(pinyin.importlib.util.find_spec("pypinyin").origin).parent / "pinyin_dict.json")  # type: ignore[union-attr, arg-type]
            .read_text(encoding="utf-8"))
    finally:
        pinyin._table.cache_clear()


def test_schema_change_rebuilds_mirror_but_keeps_outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.sqlite3"
    c = Cache(path)
    seed(c)
    client_id = c.client_id
    rec = c.get_record("application", 1)
    assert rec is not None
    seq = c.outbox.add(Mutation("record", "POST", "/applications/1/actions", {"action": "confirm"},
                                  [MutationItem("application", 1, {**rec, "status": "dept_confirmed"})],
                                  if_match=1))
    c.close()
    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    import zhumeng_tui.cache.store as store

    monkeypatch.setattr(store, "SCHEMA_VERSION", schema.SCHEMA_VERSION)
    c = Cache(path)
    assert c.rebuilt
    assert c.cursor == 0 and c.mirror_empty()
    assert c.client_id == client_id
    entries = c.outbox.entries()
    assert [e.seq for e in entries] == [seq] and entries[0].state == "pending"
    assert entries[0].items[0].rid == 1
    assert c.conn().execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    c.close()


def test_an_index_the_schema_does_not_declare_is_dropped_on_open(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    c = Cache(path)
    seed(c)
    with c.write() as w:
        w.execute("CREATE INDEX ix_student_name ON m_student (name)")
    c.close()
    c = Cache(path)
    names = {r[0] for r in c.conn().execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    assert "ix_student_name" not in names and {"ix_student_student_no", "ix_app_view_dash"} <= names
    assert c.conn().execute("SELECT count(*) FROM app_view").fetchone()[0] == 5  # nothing else went
    c.close()


def test_older_file_without_version_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE junk (x)")
    db.commit()
    db.close()
    c = Cache(path)
    assert c.rebuilt and c.integrity_ok()
    assert "junk" not in {r[0] for r in c.conn().execute("SELECT name FROM sqlite_master")}
    c.close()


def test_tombstones_and_denormalised_rows(tmp_path: Path) -> None:
    c = Cache(tmp_path / "c.sqlite3")
    seed(c)
    row = c.conn().execute("SELECT name, py_initials, department, employer, city, c_realname, worst "
                           "FROM app_view WHERE id = 2").fetchone()
    assert row == ("李四", "ls", "计算机学院", "成都某公司", "成都市", "fail", "fail")
    # a student renamed: the application row follows
    c.apply_changes([ch("student", 2, 100, {"department_id": 1, "university_id": 1, "name": "李思",
                                            "student_no": "2022010002", "phone": "1",
                                            "id_number_masked": "x"}, version=2)], 100)
    assert c.conn().execute("SELECT name FROM app_view WHERE id = 2").fetchone()[0] == "李思"
    c.apply_changes([ch("application", 2, 101, deleted=True)], 101)
    assert c.get_record("application", 2) is None
    assert c.conn().execute("SELECT count(*) FROM app_view WHERE id = 2").fetchone()[0] == 0
    assert c.cursor == 101
    c.close()


@pytest.mark.parametrize("n", [1, ROWS_PER_INSERT - 1, ROWS_PER_INSERT, 2 * ROWS_PER_INSERT + 1])
@pytest.mark.parametrize("bulk", [False, True])
def test_a_page_stores_every_record_whatever_its_length(tmp_path: Path, n: int, bulk: bool) -> None:
    """Records are written many to a statement; every one is stored, a
    column given a list (an odd record) is left empty, not the page."""
    c = Cache(tmp_path / "c.sqlite3")
    odd = n // 2 + 1
    c.apply_changes([ch("employer", i, i, {"name": f"单位{i}", "region": ["成都市"] if i == odd else "成都市"})
                     for i in range(1, n + 1)], n, bulk=bulk)
    if bulk:
        c.finish_bulk()
    rows = c.conn().execute("SELECT id, name, region FROM m_employer ORDER BY id").fetchall()
    assert rows == [(i, f"单位{i}", None if i == odd else "成都市") for i in range(1, n + 1)]
    assert c.get_record("employer", odd)["region"] == ["成都市"]  # the record itself is kept as sent
    c.close()


@pytest.mark.parametrize("bulk", [False, True])
def test_a_records_values_are_stored_as_sqlite_values(tmp_path: Path, bulk: bool) -> None:
    """A flag is the integer 0 or 1, a missing value NULL, the record its
    JSON text: what the filters compare and what a reader gets back."""
    c = Cache(tmp_path / "c.sqlite3")
    c.apply_changes([ch("student", 1, 1, {"name": "张三", "out_of_province": True, "phone": None}),
                     ch("student", 2, 2, {"name": "李四", "out_of_province": False})], 2, bulk=bulk)
    got = c.conn().execute(
        "SELECT out_of_province, typeof(out_of_province), typeof(phone), typeof(major), typeof(data)"
        " FROM m_student ORDER BY id").fetchall()
    assert got == [(1, "integer", "null", "null", "text"), (0, "integer", "null", "null", "text")]
    assert c.conn().execute("SELECT count(*) FROM m_student WHERE out_of_province = 1").fetchone()[0] == 1
    assert c.get_record("student", 1)["out_of_province"] is True
    c.close()


def test_a_bulk_pull_shows_records_that_came_after_their_applications(tmp_path: Path) -> None:
    """A first pull fills the application rows page by page; a student
    renamed, a withdrawal opened and a department deleted in later pages (the
    pull interrupted and started again in between) are in those rows at the
    end, exactly as in rows kept up to date change by change."""
    changes, seq = seed_changes()
    later = [
        [ch("student", 2, 100, {"department_id": 1, "university_id": 1, "name": "李思", "student_no": "2022010002",
                                "phone": "1", "id_number_masked": "x"}, version=2),
         ch("withdrawal", 1, 101, {"application_id": 3, "student_id": 3, "department_id": 1, "state": "stamped"})],
        [ch("department", 1, 102, deleted=True)],
    ]
    kept = Cache(tmp_path / "kept.sqlite3")
    kept.apply_changes(changes, seq)
    for page in later:
        kept.apply_changes(page, page[-1].seq)
    path = tmp_path / "c.sqlite3"
    c = Cache(path)
    c.apply_changes(sorted(changes, key=lambda x: x.type != "application"), seq, bulk=True)  # applications first
    c.apply_changes(later[0], 101, bulk=True)
    c.close()  # interrupted; the next pull goes on from the cursor
    c = Cache(path)
    assert c.view_stale and c.cursor == 101
    c.apply_changes(later[1], 102, bulk=True)
    c.finish_bulk()
    cols = "id, name, py_initials, department, employer, has_open_withdrawal, worst"
    got = c.conn().execute(f"SELECT {cols} FROM app_view ORDER BY id").fetchall()
    assert got == kept.conn().execute(f"SELECT {cols} FROM app_view ORDER BY id").fetchall()
    assert got[1][1:3] == ("李思", "ls") and got[2][5] == 1 and {r[3] for r in got} == {""} and len(got) == 5
    assert not c.view_stale and c.conn().execute("SELECT count(*) FROM view_pending").fetchone()[0] == 0
    kept.close()
    c.close()


def test_a_bulk_pull_keeps_its_log_to_a_few_pages(tmp_path: Path) -> None:
    """A first pull's pages go into the database file as it goes (copied
    while the next page is written): its write-ahead log stops growing after
    the first pages instead of holding the whole pull."""
    path = tmp_path / "c.sqlite3"
    wal = Path(str(path) + "-wal")
    c = Cache(path)
    seq = 0
    pulled = 0
    sizes = []
    for page in range(12):
        changes = []
        for i in range(400):
            seq += 1
            rid = page * 400 + i + 1
            changes.append(ch("student", rid, seq, {"department_id": 1, "university_id": 1, "name": "张三",
                                                    "student_no": f"S{rid:08d}", "note": "说明" * 300}))
        pulled += sum(len(x.data) for x in changes)
        c.apply_changes(changes, seq, bulk=True)
        sizes.append(wal.stat().st_size)
    c.finish_bulk()
    assert c.conn().execute("SELECT count(*) FROM m_student").fetchone()[0] == 4800
    assert sizes[-1] < 2 * sizes[2] and wal.stat().st_size < pulled / 2, (sizes, pulled)  # not 4x: no growth
    c.close()


def test_a_commit_does_not_wait_for_the_log_to_be_copied(tmp_path: Path) -> None:
    """No write copies the write-ahead log into the database file in its
    commit (SQLite would, once the log passes its threshold, making e.g. a
    bulk decision wait for tens of MB to be copied): a thread does it after
    the write, and the log then starts again from its beginning."""
    path = tmp_path / "c.sqlite3"
    wal = Path(str(path) + "-wal")
    c = Cache(path)
    copy = c._copy_log
    release = threading.Event()

    def held_copy() -> None:
        release.wait(30)
        copy()

    c._copy_log = held_copy  # type: ignore[method-assign]
    before = path.stat().st_size
    seq = 0
    for page in range(4):  # about 20 MB: past SQLite's 1,000-page threshold
        changes = []
        for i in range(400):
            seq += 1
            rid = page * 400 + i + 1
            changes.append(ch("student", rid, seq, {"department_id": 1, "university_id": 1, "name": "张三",
                                                    "student_no": f"S{rid:08d}", "note": "说明" * 2000}))
        c.apply_changes(changes, seq)
    logged = wal.stat().st_size
    assert path.stat().st_size == before and logged > 16_000_000, (before, logged)
    release.set()
    c._checkpointed()
    assert path.stat().st_size > 16_000_000
    c.apply_changes([ch("student", 1, seq + 1, {"department_id": 1, "university_id": 1, "name": "李四",
                                                "student_no": "S00000001"}, version=2)], seq + 1)
    c._checkpointed()
    assert wal.stat().st_size == logged  # the log was written again from its beginning, not grown
    assert c.conn().execute("SELECT count(*) FROM m_student").fetchone()[0] == 1600
    c.close()


def test_a_change_and_its_answer_share_one_copy_of_the_log(tmp_path: Path) -> None:
    """While a change is on its way (its write, the push, the answer's
    write) no copy of the log starts; one copies both writes after."""
    path = tmp_path / "c.sqlite3"
    c = Cache(path)
    c._checkpointed()
    before = path.stat().st_size

    def write(first: int) -> None:
        c.apply_changes([ch("student", i, i, {"department_id": 1, "university_id": 1, "name": "张三",
                                              "student_no": f"S{i:08d}", "note": "说明" * 2000})
                         for i in range(first, first + 20)], first + 19)

    with c.log_copy_held():
        write(1)
        c._checkpointed()  # no copy to wait for
        assert path.stat().st_size == before
        write(21)
        c._checkpointed()
        assert path.stat().st_size == before
    c._checkpointed()
    assert path.stat().st_size > before + 400_000
    assert c.conn().execute("SELECT count(*) FROM m_student").fetchone()[0] == 40
    c.close()


def test_a_bulk_pull_indexes_a_type_once_its_records_are_in(tmp_path: Path) -> None:
    """A first pull builds a table's indexes as soon as a page comes without
    its records (the feed sends a first pull mostly type by type), not at the
    end; a record of that type coming later still is in them. The records'
    text is stored as text (it is handed to SQLite as the bytes received)."""
    changes, _seq = seed_changes()
    students = [x for x in changes if x.type != "application"]
    apps = [x for x in changes if x.type == "application"]
    c = Cache(tmp_path / "c.sqlite3")
    student_indexes = {"ix_student_student_no"}

    def indexes() -> set[str]:
        return {r[0] for r in c.conn().execute("SELECT name FROM sqlite_master WHERE type = 'index'")}

    c.apply_changes(students, 20, bulk=True)
    assert not indexes() & student_indexes
    c.apply_changes(apps, 21, bulk=True)
    assert student_indexes <= indexes() and "ix_application_student_id" not in indexes()
    late = ch("student", 6, 22, {"department_id": 1, "university_id": 1, "name": "赵六", "student_no": "2022019999",
                                 "phone": "1", "id_number_masked": "x"})
    c.apply_changes([late], 22, bulk=True)
    c.finish_bulk()
    assert student_indexes | {"ix_application_student_id"} <= indexes()
    found = c.conn().execute(
        "SELECT id FROM m_student INDEXED BY ix_student_student_no WHERE student_no = '2022019999'").fetchall()
    assert found == [(6,)]
    assert {r[0] for r in c.conn().execute("SELECT DISTINCT typeof(data) FROM m_student")} == {"text"}
    assert (c.get_record("student", 6) or {})["name"] == "赵六"
    c.close()


def test_pull_keeps_optimistic_record_until_server_moves_on(tmp_path: Path) -> None:
    c = Cache(tmp_path / "c.sqlite3")
    seed(c)
    rec = c.get_record("application", 1)
    assert rec is not None
    c.outbox.add(Mutation("record", "POST", "/x", {}, [MutationItem("application", 1, {**rec, "status": "rejected"})],
                            if_match=1))
    # the same version again (e.g. a re-pull): the optimistic state stays
    c.apply_changes([ch("application", 1, 200, {**rec, "status": "matched"}, version=1)], 200)
    assert c.get_record("application", 1)["status"] == "rejected"  # type: ignore[index]
    assert c.conn().execute("SELECT local_state FROM app_view WHERE id = 1").fetchone()[0] == "pending"
    # a newer server version replaces it (the push will then conflict or confirm)
    c.apply_changes([ch("application", 1, 201, {**rec, "status": "dept_confirmed"}, version=2)], 201)
    assert c.get_record("application", 1)["status"] == "dept_confirmed"  # type: ignore[index]
    c.close()


def test_reset_drops_mirror(tmp_path: Path) -> None:
    c = Cache(tmp_path / "c.sqlite3")
    seed(c)
    c.reset_mirror()
    assert c.mirror_empty() and c.cursor == 0
    assert c.conn().execute("SELECT count(*) FROM app_view").fetchone()[0] == 0
    c.close()


def test_rebuilt_cache_shows_pending_change_after_repull(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.sqlite3"
    c = Cache(path)
    seed(c)
    rec = c.get_record("application", 3)
    assert rec is not None
    c.outbox.add(Mutation("record", "POST", "/applications/3/actions", {"action": "reject"},
                            [MutationItem("application", 3, {**rec, "status": "rejected"})], if_match=1))
    c.close()
    import zhumeng_tui.cache.store as store

    monkeypatch.setattr(store, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    c = Cache(path)
    assert c.rebuilt and c.get_record("application", 3) is None
    seed(c)  # the re-pull: the server still has version 1
    assert c.get_record("application", 3)["status"] == "rejected"  # type: ignore[index]
    assert c.conn().execute("SELECT local_state FROM app_view WHERE id = 3").fetchone()[0] == "pending"
    c.close()


def test_later_unsent_entry_is_rebased_on_the_servers_new_version(tmp_path: Path) -> None:

    c = Cache(tmp_path / "c.sqlite3")
    seed(c)
    rec = c.get_record("application", 1)
    assert rec is not None
    s1 = c.outbox.add(Mutation("record", "PATCH", "/applications/1/tracking", {"a": 1},
                                 [MutationItem("application", 1, {**rec, "reason": "one"})], if_match=1))
    s2 = c.outbox.add(Mutation("batch", "POST", "/applications/actions:batch",
                                 {"items": [{"id": 1, "version": 1, "action": "confirm"}]},
                                 [MutationItem("application", 1, {**rec, "reason": "two"})]))
    c.outbox.resolve(s1, [ItemOutcome(0, "ok", server={**rec, "version": 2, "reason": "one"})])
    e2 = c.outbox.entry(s2)
    assert e2 is not None and e2.items[0].base_version == 2
    assert e2.body["items"][0]["version"] == 2
    # the later entry's optimistic state is still shown, now on the server's version
    now = c.get_record("application", 1)
    assert now is not None and now["version"] == 2 and now["reason"] == "two"
    c.close()


def test_a_batch_is_based_on_the_mirror_and_its_answer_stored_record_by_record(tmp_path: Path) -> None:
    import json

    c = Cache(tmp_path / "c.sqlite3")
    seed(c)
    rec = {i: c.get_record("application", i) for i in range(1, 6)}

    def item(i: int, **change: Any) -> MutationItem:
        return MutationItem("application", i, {**rec[i], **change})  # type: ignore[dict-item]

    # the same record twice: the second item is based on the first one's optimistic state
    twice = c.outbox.add(Mutation("batch", "POST", "/applications/actions:batch", {"items": []},
                                  [item(1, status="dept_confirmed"), item(2, status="rejected"),
                                   item(1, status="dept_confirmed", reason="again")]))
    bases = dict(c.conn().execute("SELECT pos, base FROM outbox_item WHERE seq = ?", (twice,)).fetchall())
    assert json.loads(bases[0])["status"] == "matched"
    assert json.loads(bases[2])["status"] == "dept_confirmed"
    assert c.get_record("application", 1)["reason"] == "again"  # type: ignore[index]
    c.outbox.resolve(twice, [ItemOutcome(p, "rejected", "x") for p in range(3)])

    seq = c.outbox.add(Mutation("batch", "POST", "/applications/actions:batch", {"items": []},
                                [item(3, status="dept_confirmed"), item(4, status="dept_confirmed"),
                                 item(5, status="dept_confirmed")]))
    # meanwhile a pull brought a newer version of 5 than the one the answer will carry
    c.apply_changes([ch("application", 5, 500, {**rec[5], "status": "returned"}, version=3)], 500)
    c.outbox.resolve(seq, [
        ItemOutcome(0, "ok", server={**rec[3], "status": "dept_confirmed", "version": 2}),
        ItemOutcome(1, "rejected", "check_failed", "不符合", "Not eligible"),
        ItemOutcome(2, "ok", server={**rec[5], "status": "dept_confirmed", "version": 2}),
    ])
    got = {i: c.get_record("application", i) for i in (3, 4, 5)}
    assert (got[3]["status"], got[3]["version"]) == ("dept_confirmed", 2)  # type: ignore[index]
    assert (got[4]["status"], got[4]["version"]) == ("matched", 1)  # type: ignore[index]  # restored
    assert (got[5]["status"], got[5]["version"]) == ("returned", 3)  # type: ignore[index]  # kept
    view = dict(c.conn().execute("SELECT id, status FROM app_view WHERE id IN (3, 4, 5)").fetchall())
    assert view == {3: "dept_confirmed", 4: "matched", 5: "returned"}
    c.close()


def test_application_rows_kept_up_to_date_are_the_rows_made_afresh(tmp_path: Path) -> None:
    """The queue's rows change only in the columns a change touched; after
    pulls, a pending decision, its answer and a refusal, every column of
    every row is what a row made afresh from the mirror would hold."""
    c = Cache(tmp_path / "c.sqlite3")
    seed(c)
    rec = {i: c.get_record("application", i) for i in range(1, 6)}

    def rows_afresh() -> list[tuple[Any, ...]]:
        conn = c.conn()
        conn.execute(schema.app_view_table_sql("temp.afresh"))
        conn.execute("DELETE FROM temp.afresh")
        conn.execute(schema.app_view_rebuild_sql("1", into="temp.afresh"))
        return conn.execute("SELECT * FROM temp.afresh ORDER BY id").fetchall()

    def rows() -> list[tuple[Any, ...]]:
        return c.conn().execute("SELECT * FROM app_view ORDER BY id").fetchall()

    seq = c.outbox.add(Mutation("batch", "POST", "/applications/actions:batch", {"items": []}, [
        MutationItem("application", i, {**rec[i], "status": "dept_confirmed"}) for i in (1, 2, 3)]))  # type: ignore[dict-item]
    assert rows() == rows_afresh()
    assert [r[0] for r in c.conn().execute("SELECT id FROM app_view WHERE local_state = 'pending'")] == [1, 2, 3]
    c.outbox.resolve(seq, [
        ItemOutcome(0, "ok", server={**rec[1], "status": "dept_confirmed", "version": 2,  # type: ignore[dict-item]
                                     "checks": [{"check": "realname", "result": "warn"}]}),
        ItemOutcome(1, "rejected", "check_failed", "不符合", "Not eligible"),
        ItemOutcome(2, "ok", server={**rec[3], "status": "dept_confirmed", "version": 2}),  # type: ignore[dict-item]
    ])
    assert rows() == rows_afresh()
    # a student renamed, a new application and another one's employer moved
    c.apply_changes([
        ch("student", 4, 600, {"department_id": 1, "university_id": 1, "name": "王武", "student_no": "2022010004",
                               "phone": "2", "id_number_masked": "x"}, version=2),
        ch("application", 6, 601, {"student_id": 5, "position_id": 1, "department_id": 1, "university_id": 1,
                                   "status": "applied", "checks": []}),
        ch("employer", 1, 602, {"name": "绵阳某公司", "type": "企业", "region": "成都市", "certifying_committee": "x"},
           version=2),
    ], 602)
    got = rows()
    assert got == rows_afresh() and len(got) == 6
    names = {r[0]: r for r in c.conn().execute("SELECT id, name, py_initials, employer, city, local_state, status"
                                               " FROM app_view WHERE id IN (1, 2, 4, 6)")}
    assert names[4][1:3] == ("王武", "ww") and names[6][3:5] == ("绵阳某公司", "成都市")
    assert names[1][5:] == (None, "dept_confirmed") and names[2][5:] == ("rejected", "matched")
    c.close()


def test_a_pull_bringing_back_the_answer_to_a_change_keeps_it(tmp_path: Path) -> None:
    """The change feed brings back the records the server's answer stored
    already (same version and seq): they stay as they are, and an older copy
    of one, earlier in the same page, does not replace it."""
    c = Cache(tmp_path / "c.sqlite3")
    seed(c)
    rec = {i: c.get_record("application", i) for i in range(1, 6)}
    seq = c.outbox.add(Mutation("batch", "POST", "/applications/actions:batch", {"items": []}, [
        MutationItem("application", i, {**rec[i], "status": "dept_confirmed"}) for i in (1, 2)]))  # type: ignore[dict-item]
    answer = {i: {**rec[i], "status": "dept_confirmed", "version": 2, "seq": 700 + i} for i in (1, 2)}
    c.outbox.resolve(seq, [ItemOutcome(p, "ok", server=answer[i]) for p, i in enumerate((1, 2))])  # type: ignore[arg-type]
    before = c.conn().execute("SELECT * FROM app_view ORDER BY id").fetchall()
    c.apply_changes([
        ch("application", 1, 650, {**rec[1], "status": "returned"}, version=2),  # type: ignore[dict-item]
        ch("application", 1, 701, answer[1], version=2),
        ch("application", 2, 702, answer[2], version=2),
        ch("application", 3, 703, {**rec[3], "status": "dept_confirmed"}, version=2),  # type: ignore[dict-item]
    ], 703)
    got = {i: c.get_record("application", i) for i in (1, 2, 3)}
    assert [(g["status"], g["version"], g["seq"]) for g in got.values()] == [  # type: ignore[index]
        ("dept_confirmed", 2, 701), ("dept_confirmed", 2, 702), ("dept_confirmed", 2, 703)]
    after = c.conn().execute("SELECT * FROM app_view ORDER BY id").fetchall()
    assert after[:2] == before[:2] and after[2] != before[2] and after[2][0] == 3
    assert c.cursor == 703
    c.close()


def test_worker_threads_reuse_connections(tmp_path: Path) -> None:
    """The app queries from a new thread per keystroke: a long session must not
    open a database connection per query (file handles, memory)."""
    import threading

    cache = Cache(tmp_path / "c.sqlite3")
    seed(cache)
    cache._checkpointed()
    before = cache.connection_count  # this thread's and the log copier's
    counts = []
    for _ in range(30):
        t = threading.Thread(target=lambda: counts.append(cache.conn().execute("SELECT count(*) FROM app_view").fetchone()[0]))
        t.start()
        t.join()
    assert len(counts) == 30 and len(set(counts)) == 1
    assert cache.connection_count == before + 1
    cache.close()
