"""The peer for the documents benchmark: the same process in SpiffWorkflow, a generic BPMN engine.

The process is the one ``documents_bench.py flow`` drives through CityHall's services, step for step:
a county's request is submitted, registered, countersigned by three departments (two reply, the
third's boundary timer fires at the countersign deadline and deems it 视为无不同意见), routed, given
the leader's opinion; the outgoing reply is drafted, sent for checking, checked, reviewed, signed
(allocating the next number) and issued. The timer's date comes from the official calendar through
the rules core (``countersign.reply`` from the request day), as CityHall's own deadline does.

Each step is what a typical application on SpiffWorkflow does, in one PostgreSQL transaction:
complete the ready user task (or refresh the waiting timers), run the engine, serialise the workflow
to JSON and store it, append a plain audit row, and keep an inbox row per ready user task (close the
done ones, open the new ones). Signing also takes the next number with ``UPDATE … RETURNING``. No
hash chain, no rule checks, no permission checks: this is the floor a generic engine sets, and the
goal of issue 10 is to be no slower than it per document.

    CITYHALL_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/spiff_peer.py [--documents 200]

It creates and drops a scratch database of its own on that server. The last line is
``RESULT spiff_ms_per_doc=… spiff_statements_per_doc=…``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UNITS = ("fgw", "finance", "education")
ANCHOR = dt.date(2026, 9, 30)
TRACE = os.environ.get("SPIFF_TRACE") == "1"

_TASKS = [
    ("submit", "报送"),
    ("register", "收文登记"),
]
_AFTER = [
    ("route", "呈批"),
    ("instruct", "批示"),
    ("create_outgoing", "拟批复"),
    ("prepare", "送核稿"),
    ("check", "核稿"),
    ("review", "审核"),
    ("sign", "签发"),
    ("issue", "印发"),
]


def bpmn(due_at: dt.datetime) -> bytes:
    """The process as BPMN 2.0: the sequence, the countersign split and join, the timer on the silent one."""
    flows: list[tuple[str, str]] = []
    nodes = ['<bpmn:startEvent id="start"/>']
    previous = "start"
    for code, name in _TASKS:
        nodes.append(f'<bpmn:userTask id="{code}" name="{name}"/>')
        flows.append((previous, code))
        previous = code
    nodes.append('<bpmn:parallelGateway id="split"/>')
    nodes.append('<bpmn:parallelGateway id="join"/>')
    flows.append((previous, "split"))
    for unit in UNITS[:-1]:
        nodes.append(f'<bpmn:userTask id="cs_{unit}" name="会签 {unit}"/>')
        flows += [("split", f"cs_{unit}"), (f"cs_{unit}", "join")]
    silent = UNITS[-1]
    nodes.append(f'<bpmn:userTask id="cs_{silent}" name="会签 {silent}"/>')
    nodes.append(
        f'<bpmn:boundaryEvent id="deadline" attachedToRef="cs_{silent}" cancelActivity="true">'
        f'<bpmn:timerEventDefinition><bpmn:timeDate>"{due_at.isoformat()}"</bpmn:timeDate>'
        "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
    )
    nodes.append(
        '<bpmn:scriptTask id="deem" name="视为无不同意见"><bpmn:script>deemed = True</bpmn:script></bpmn:scriptTask>'
    )
    nodes.append('<bpmn:exclusiveGateway id="merge"/>')
    flows += [("split", f"cs_{silent}"), (f"cs_{silent}", "merge"), ("deadline", "deem"), ("deem", "merge")]
    flows.append(("merge", "join"))
    previous = "join"
    for code, name in _AFTER:
        nodes.append(f'<bpmn:userTask id="{code}" name="{name}"/>')
        flows.append((previous, code))
        previous = code
    nodes.append('<bpmn:endEvent id="end"/>')
    flows.append((previous, "end"))
    body = "".join(nodes) + "".join(
        f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>' for i, (a, b) in enumerate(flows)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="cityhall">'
        f'<bpmn:process id="document" isExecutable="true">{body}</bpmn:process></bpmn:definitions>'
    ).encode()


SCHEMA = """
CREATE TABLE wf_instance (id bigserial PRIMARY KEY, state jsonb NOT NULL, updated_at timestamptz NOT NULL);
CREATE TABLE wf_audit (id bigserial PRIMARY KEY, instance_id bigint NOT NULL, action text NOT NULL,
    actor text NOT NULL, data jsonb NOT NULL, at timestamptz NOT NULL);
CREATE TABLE wf_inbox (id bigserial PRIMARY KEY, instance_id bigint NOT NULL, task text NOT NULL,
    title text NOT NULL, state text NOT NULL, created_at timestamptz NOT NULL, done_at timestamptz);
CREATE INDEX ON wf_inbox (instance_id, state);
CREATE TABLE wf_number (code text PRIMARY KEY, last integer NOT NULL);
INSERT INTO wf_number VALUES ('抚政发', 0);
"""


class Counting:
    """A cursor wrapper that counts the statements sent (BEGIN/COMMIT excluded, as on CityHall's side)."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.statements = 0

    def execute(self, sql: str, params: Any = None) -> Any:
        self.statements += 1
        return self.cursor.execute(sql, params)

    def fetchone(self) -> Any:
        return self.cursor.fetchone()


def run(server_url: str, documents: int) -> dict[str, float]:
    import psycopg
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.parser import BpmnParser
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.util.task import TaskState

    from cityhall.rules import deadline, default_calendar, load_rulebook

    # Spiff logs every task state change at INFO; under Django's logging settings that floods the output.
    for name in ("spiff", "spiff.workflow", "spiff.task", "spiff.metrics"):
        logging.getLogger(name).setLevel(logging.WARNING)
    due = deadline("countersign.reply", ANCHOR, rulebook=load_rulebook("fushun-2022"), calendar=default_calendar())
    parser = BpmnParser()
    parser.add_bpmn_str(bpmn(due.due_at))
    spec = parser.get_spec("document")
    serializer = BpmnWorkflowSerializer()

    base = server_url.rsplit("/", 1)[0]
    name = f"cityhall_spiff_bench_{os.getpid()}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(f"{base}/{name}") as conn:
            conn.execute(SCHEMA)
            conn.commit()
            cur = Counting(conn.cursor())
            started = time.perf_counter()
            for i in range(documents):
                _one_document(conn, cur, spec, serializer, BpmnWorkflow, TaskState, i)
            seconds = time.perf_counter() - started
            issued = conn.execute("SELECT last FROM wf_number").fetchone()[0]
            if issued != documents:
                raise RuntimeError(f"{issued} numbers for {documents} documents")
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    return {
        "documents": documents,
        "seconds": seconds,
        "ms_per_doc": 1000 * seconds / documents,
        "statements_per_doc": cur.statements / documents,
    }


def _one_document(conn: Any, cur: Counting, spec: Any, serializer: Any, workflow_cls: Any, state: Any, i: int) -> None:
    now = dt.datetime.now(dt.UTC)
    wf = workflow_cls(spec)
    wf.do_engine_steps()
    with conn.transaction():
        cur.execute(
            "INSERT INTO wf_instance (state, updated_at) VALUES (%s, %s) RETURNING id",
            (serializer.serialize_json(wf), now),
        )
        instance = cur.fetchone()[0]
        _inbox(cur, instance, wf, state, now)
    deemed = False
    while not wf.is_completed():
        # The silent department never replies: its task waits for the timer.
        ready = [t for t in wf.get_tasks(state=state.READY, manual=True) if t.task_spec.name != f"cs_{UNITS[-1]}"]
        if not ready:
            wf.refresh_waiting_tasks()  # the countersign deadline has passed: the timer fires
            wf.do_engine_steps()
            action, actor = "deemed", "worker"
        else:
            task = ready[0]
            task.data["by"] = f"person-{i}"
            task.run()
            wf.do_engine_steps()
            action, actor = task.task_spec.name, f"person-{i}"
        if TRACE:
            print("step:", action)
        now = dt.datetime.now(dt.UTC)
        with conn.transaction():
            if action == "sign":
                cur.execute("UPDATE wf_number SET last = last + 1 WHERE code = %s RETURNING last", ("抚政发",))
                cur.fetchone()
            cur.execute(
                "UPDATE wf_instance SET state = %s, updated_at = %s WHERE id = %s",
                (serializer.serialize_json(wf), now, instance),
            )
            cur.execute(
                "INSERT INTO wf_audit (instance_id, action, actor, data, at) VALUES (%s, %s, %s, %s, %s)",
                (instance, action, actor, json.dumps({"step": action}), now),
            )
            _inbox(cur, instance, wf, state, now)
        if not deemed and any(t.task_spec.name == "deem" for t in wf.get_tasks(state=state.COMPLETED)):
            # The timer's date is past, so the engine fired it within the step above; CityHall's worker
            # deems in a transaction of its own, so record it as one here too.
            deemed = True
            if TRACE:
                print("step: deemed (timer)")
            with conn.transaction():
                cur.execute(
                    "UPDATE wf_instance SET state = %s, updated_at = %s WHERE id = %s",
                    (serializer.serialize_json(wf), now, instance),
                )
                cur.execute(
                    "INSERT INTO wf_audit (instance_id, action, actor, data, at) VALUES (%s, %s, %s, %s, %s)",
                    (instance, "deemed", "worker", json.dumps({"unit": UNITS[-1]}), now),
                )
                _inbox(cur, instance, wf, state, now)


def _inbox(cur: Counting, instance: int, wf: Any, state: Any, now: dt.datetime) -> None:
    """Close the rows of tasks no longer ready, open rows for the newly ready ones."""
    ready = {
        t.task_spec.name: t.task_spec.bpmn_name or t.task_spec.name
        for t in wf.get_tasks(state=state.READY, manual=True)
    }
    cur.execute(
        "UPDATE wf_inbox SET state = 'done', done_at = %s WHERE instance_id = %s AND state = 'open' AND NOT (task = ANY(%s))"
        " RETURNING task",
        (now, instance, list(ready)),
    )
    cur.execute(
        "SELECT coalesce(array_agg(task), '{}') FROM wf_inbox WHERE instance_id = %s AND state = 'open'", (instance,)
    )
    have = set(cur.fetchone()[0])
    new = [(instance, task, title, "open", now) for task, title in ready.items() if task not in have]
    if new:
        cur.cursor.executemany(
            "INSERT INTO wf_inbox (instance_id, task, title, state, created_at) VALUES (%s, %s, %s, %s, %s)", new
        )
        cur.statements += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--documents", type=int, default=200)
    args = parser.parse_args()
    url = os.environ.get("CITYHALL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    figures = run(url, args.documents)
    print(f"SpiffWorkflow peer: {figures['documents']} documents in {figures['seconds']:.1f} s")
    print(
        f"RESULT spiff_ms_per_doc={figures['ms_per_doc']:.1f} spiff_statements_per_doc={figures['statements_per_doc']:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
