"""A custom harness evaluator in Python: "license".

Every build must ship a LICENSE file naming a known license, and a package.json (when there is
one) must declare the same license. Written from docs/evaluator-protocol.md with nats-py and
jsonschema; harness_protocol.py does the wire, this file the checks and the work loop.

Run it next to a harness with its own NATS user (`pnpm harness evaluator add license` prints these):
    NATS_URL=nats://127.0.0.1:<port> NATS_USER=evaluator-license \\
      NATS_PASSWORD_FILE=.harness/nats-auth/evaluator-license.password python evaluator.py
"""
import asyncio
import json
import re
import signal
import time

import nats.errors

from harness_protocol import BACKOFF_S, Connection, PermanentError, problems

NAME = "license"
VERSION = "1.0.0"
LICENSE_FILES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "COPYING")
KNOWN = {"MIT": r"\bMIT License\b", "Apache-2.0": r"Apache License,? Version 2\.0", "BSD-3-Clause": r"\bBSD 3-Clause\b", "ISC": r"\bISC License\b"}


def criterion(id_: str, description: str, passed: bool, evidence: str, feedback: str) -> dict:
    """A pass/fail check of our own: kind custom, score 10 or 0 against threshold 10."""
    return {
        "checkId": id_, "kind": "custom", "description": description, "score": 10 if passed else 0, "threshold": 10, "passed": passed,
        "evidence": [{"kind": "file", "summary": evidence[:4_000], "location": "LICENSE"}], "feedback": "passed" if passed else feedback,
    }


def check(files: dict) -> list:
    """The evaluator's own judgement: a function of the build's files, nothing else."""
    path = next((p for p in LICENSE_FILES if p in files), None)
    text = files[path].decode("utf-8", "replace") if path else ""
    named = next((spdx for spdx, pattern in KNOWN.items() if re.search(pattern, text)), None)
    out = [criterion(
        "license-file", "a LICENSE file at the root names a known license", named is not None,
        f"{path} names {named}" if named else (f"{path} names no license this evaluator knows ({', '.join(KNOWN)})" if path else f"no LICENSE file; the build has: {', '.join(sorted(files)[:20]) or '(no files)'}"),
        "add a LICENSE file at the repository root with the full text of a license such as the MIT License",
    )]
    if "package.json" in files:
        try:
            declared = json.loads(files["package.json"]).get("license")
        except ValueError:
            declared = None
        out.append(criterion(
            "license-declared", "package.json declares the license the LICENSE file has", named is not None and declared == named,
            f"package.json declares {declared!r}, LICENSE names {named!r}",
            f"set \"license\": \"{named or 'MIT'}\" in package.json to match the LICENSE file",
        ))
    return out


def verdict(criteria: list) -> dict:
    """Pass is computed here, by code: at least one criterion, every one passed."""
    failed = [c["checkId"] for c in criteria if not c["passed"]]
    passed = bool(criteria) and not failed
    summary = f"all {len(criteria)} criteria passed" if passed else f"{len(failed)} of {len(criteria)} criteria failed: {', '.join(failed)}"
    return {"evaluator": NAME, "passed": passed, "criteria": criteria, "summary": summary}


async def keep_alive(conn: Connection, msg, work: dict) -> None:
    """In-progress acks every third of the ack wait; a work.progress event every 2 minutes."""
    started, beat, last = time.monotonic(), 0, time.monotonic()
    while True:
        await asyncio.sleep(conn.ack_wait / 3)
        await msg.in_progress()
        if time.monotonic() - last >= 120:
            beat, last = beat + 1, time.monotonic()
            await conn.publish_progress(msg, work, beat, int((last - started) * 1000))


async def handle(conn: Connection, msg) -> None:
    delivered = msg.metadata.num_delivered
    try:
        work = json.loads(msg.data)
    except ValueError as e:
        return await conn.dead_letter(msg, f"payload is not valid JSON: {e}")
    wrong = problems(conn.work, work)
    if wrong or work.get("type") != "evaluation.requested":
        return await conn.dead_letter(msg, f"payload failed schema validation: {wrong or 'not an evaluation.requested'}")
    if delivered > conn.attempts:
        return await conn.dead_letter(msg, f"delivered {delivered} times, over the limit of {conn.attempts}: an earlier attempt never finished")
    if not await conn.run_active(work["runId"]):
        print(f"run {work['runId']} has ended: work dropped", flush=True)
        return await msg.ack()
    conn.in_flight += 1
    alive = asyncio.create_task(keep_alive(conn, msg, work))
    try:
        files = await conn.artifact_files(work["payload"]["artifact"])
        result = verdict(check(files))
        await conn.publish_verdict(msg, work, result)
        print(f"verdict run={work['runId']} sprint={work['sprint']} attempt={work['attempt']} passed={result['passed']}: {result['summary']}", flush=True)
        await msg.ack()
    except PermanentError as e:
        await conn.publish_failed(msg, work, f"{NAME}: {e}", "PERMANENT")
        await conn.dead_letter(msg, f"handler failed permanently: {e}")
    except Exception as e:  # anything else may pass on a retry
        if delivered >= conn.attempts:
            await conn.publish_failed(msg, work, f"gave up after {delivered} deliveries: {e}", "MAX_DELIVERIES")
            await conn.dead_letter(msg, f"handler failed on delivery {delivered} of {conn.attempts}: {e}")
        else:
            print(f"evaluation failed on delivery {delivered}, retrying: {e!r}", flush=True)
            await msg.nak(delay=BACKOFF_S[min(delivered, len(BACKOFF_S)) - 1])
    finally:
        alive.cancel()
        conn.in_flight -= 1


async def main() -> None:
    conn = Connection(NAME)
    await conn.connect()
    await conn.bind()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stopping.set)
    beats = asyncio.create_task(conn.heartbeat(VERSION, capacity=1))
    print(f"evaluator {NAME} ready", flush=True)
    while not stopping.is_set():
        try:
            msgs = await conn.sub.fetch(1, timeout=2)
        except asyncio.TimeoutError:
            continue  # nats.errors.TimeoutError is one too: no work right now
        except nats.errors.Error:
            # NATS is away: the connection's callbacks said so once; wait for the reconnect quietly.
            await asyncio.sleep(1)
            continue
        for msg in msgs:
            await handle(conn, msg)
    beats.cancel()
    # Nothing is in hand any more (each message was acked, nak'd or termed before the next fetch):
    # flush what was published and close. (drain() would wait on the pull subscription's unread
    # status messages of expired fetches until its own time-out.)
    await conn.nc.flush()
    await conn.nc.close()
    print(f"evaluator {NAME} stopped", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
