"""The harness evaluator protocol, step by step, for nats-py (see docs/evaluator-protocol.md).

Nothing here knows what the evaluator checks: evaluator.py gives a function from the
artifact's files to criteria, and this module does the wire: connect, bind, validate, fetch and
verify the artifact, publish the verdict, progress, failures, dead letters and heartbeats.
"""
import asyncio
import base64
import hashlib
import io
import json
import os
import socket
import tarfile
from datetime import datetime, timezone
from pathlib import Path

import jsonschema
import nats
from nats.js.errors import NotFoundError

WORK_STREAM = "HARNESS_WORK"
ARTIFACT_BUCKET = "harness-artifacts"
ARTIFACT_STREAM = f"OBJ_{ARTIFACT_BUCKET}"
RUN_BUCKET = "harness-runs"
TERMINAL = {"completed", "failed", "cancelled"}
BACKOFF_S = [1, 2, 5, 10, 30]
SCHEMAS = Path(os.environ.get("HARNESS_SCHEMAS_DIR", Path(__file__).resolve().parent.parent.parent / "packages" / "contracts" / "schemas"))


class PermanentError(Exception):
    """Retrying will not help (a missing or corrupt artifact, a verdict that does not validate)."""


def now() -> str:
    """ISO 8601 in UTC with a Z: the schemas refuse '+00:00'."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def derived_id(cause: str, *parts: str) -> str:
    """The same id for the same work: a redelivery publishes what JetStream already stored once."""
    return hashlib.sha256("\0".join([cause, *parts]).encode()).hexdigest()[:40]


def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((SCHEMAS / f"{name}.schema.json").read_text()))


def problems(v: jsonschema.Draft202012Validator, value: object) -> str:
    errors = sorted(v.iter_errors(value), key=lambda e: list(e.absolute_path))
    return "; ".join(f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}" for e in errors[:5])


class Connection:
    """One evaluator's NATS connection, as its own user, replies on its own inbox prefix."""

    def __init__(self, name: str):
        self.name = name
        self.user = os.environ.get("NATS_USER", f"evaluator-{name}")
        self.durable = f"evaluator-{name}"
        self.instance = f"{name}-{os.environ.get('HARNESS_INSTANCE', socket.gethostname())}"
        self.work = validator("evaluation.requested")
        self.verdict = validator("verdict.produced")
        self.in_flight = 0
        self.errors_seen: set[str] = set()

    async def connect(self) -> None:
        password = os.environ.get("NATS_PASSWORD")
        if os.environ.get("NATS_PASSWORD_FILE"):
            password = Path(os.environ["NATS_PASSWORD_FILE"]).read_text().strip()
        self.nc = await nats.connect(
            servers=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"), user=self.user, password=password,
            name=f"evaluator-{self.instance}", inbox_prefix=f"_INBOX_{self.user}", max_reconnect_attempts=-1,
            disconnected_cb=self._disconnected, reconnected_cb=self._reconnected, error_cb=self._error,
        )
        self.js = self.nc.jetstream()

    # nats-py's default error callback logs a full traceback for every failed reconnect attempt
    # (one every 2 s while NATS is down): one line per state change says the same.
    async def _disconnected(self) -> None:
        print("NATS gone, reconnecting", flush=True)

    async def _reconnected(self) -> None:
        self.errors_seen.clear()
        print("NATS back, reconnected", flush=True)

    async def _error(self, e: Exception) -> None:
        kind = type(e).__name__
        if kind not in self.errors_seen:  # while reconnecting the same error repeats: say it once
            self.errors_seen.add(kind)
            print(f"NATS error: {kind}: {e}", flush=True)

    async def bind(self) -> None:
        """Binds to the durable the supervisor (or `harness evaluator add`) created; never creates one."""
        for attempt in range(1, 1000):
            try:
                info = await self.js.consumer_info(WORK_STREAM, self.durable)
                break
            except NotFoundError:
                await asyncio.sleep(min(5.0, 0.2 * attempt))
        self.ack_wait = float(info.config.ack_wait or 30)
        # The server allows one delivery more than the handling attempts (docs/evaluator-protocol.md, step 7).
        self.attempts = max(1, (info.config.max_deliver or 6) - 1)
        self.sub = await self.js.pull_subscribe_bind(durable=self.durable, stream=WORK_STREAM)

    async def run_active(self, run_id: str) -> bool:
        """Whether the run still wants results: its ledger is the one key this user may read."""
        try:
            kv = await self.js.key_value(RUN_BUCKET)
            entry = await kv.get(f"ledger.{run_id}")
            return json.loads(entry.value or b"{}").get("status") not in TERMINAL
        except NotFoundError:  # KeyNotFoundError too: no ledger, nothing says the run ended
            return True
        except Exception as e:  # no ledger (yet), or NATS away: evaluate rather than drop work
            print(f"ledger of run {run_id} not readable ({e!r}); evaluating anyway", flush=True)
            return True

    async def artifact_files(self, ref: dict) -> dict:
        """The artifact's files (path -> bytes), read from the object store and held to its name."""
        meta = None
        encoded = base64.urlsafe_b64encode(ref["name"].encode()).decode()
        for key in (encoded, encoded.rstrip("=")):
            try:
                meta = json.loads((await self.js.get_last_msg(ARTIFACT_STREAM, f"$O.{ARTIFACT_BUCKET}.M.{key}")).data)
                break
            except NotFoundError:
                continue
        if meta is None or meta.get("deleted"):
            raise PermanentError(f"artifact {ref['name']} is missing from the object store")
        chunks, seq = [], 1
        for _ in range(meta.get("chunks", 0)):
            m = await self.js.get_msg(ARTIFACT_STREAM, seq=seq, subject=f"$O.{ARTIFACT_BUCKET}.C.{meta['nuid']}", next=True)
            chunks.append(m.data)
            seq = m.seq + 1
        data = b"".join(chunks)
        digest = hashlib.sha256(data).hexdigest()
        if f"sha256-{digest}" != ref["name"] or digest != ref["digest"] or len(data) != ref["size"]:
            raise PermanentError(f"artifact {ref['name']}: its {len(data)} bytes hash to sha256-{digest}")
        files = {}
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar.getmembers():
                path = member.name.removeprefix("./")
                if member.isfile() and not path.startswith(".git/") and ".." not in Path(path).parts and not path.startswith("/"):
                    files[path] = tar.extractfile(member).read()
        return files

    def envelope(self, work: dict, type_: str, payload: dict, id_: str) -> dict:
        return {
            "id": id_, "schemaVersion": 1, "type": type_, "runId": work["runId"], "sprint": work["sprint"], "attempt": work["attempt"],
            "causationId": work["id"], "producer": {"role": "evaluator", "instance": self.instance}, "time": now(), "payload": payload,
        }

    async def publish_event(self, work_msg, event: dict, sender_subject_type: str) -> None:
        subject = f"harness.events.{event['runId']}.{sender_subject_type}.evaluator.{self.name}"
        headers = {"Nats-Msg-Id": event["id"], "Harness-Type": event["type"]}
        traceparent = (work_msg.headers or {}).get("traceparent")
        if traceparent:
            headers["traceparent"] = traceparent
        await self.js.publish(subject, json.dumps(event).encode(), headers=headers)

    async def publish_verdict(self, work_msg, work: dict, verdict: dict) -> None:
        event = self.envelope(work, "verdict.produced", {"verdict": verdict}, derived_id(work["id"], "verdict.produced", self.name))
        wrong = problems(self.verdict, event)
        if wrong:
            raise PermanentError(f"the verdict does not validate: {wrong}")
        await self.publish_event(work_msg, event, "verdict.produced")

    async def publish_failed(self, work_msg, work: dict, reason: str, code: str) -> None:
        payload = {"role": "evaluator", "work": "evaluation.requested", "evaluator": self.name, "reason": reason[:10_000], "code": code}
        await self.publish_event(work_msg, self.envelope(work, "work.failed", payload, derived_id(work["id"], "work.failed", "")), "work.failed")

    async def publish_progress(self, work_msg, work: dict, beat: int, elapsed_ms: int) -> None:
        payload = {"role": "evaluator", "work": "evaluation.requested", "evaluator": self.name, "elapsedMs": elapsed_ms}
        id_ = derived_id(work["id"], "work.progress", str(work_msg.metadata.num_delivered), str(beat))
        await self.publish_event(work_msg, self.envelope(work, "work.progress", payload, id_), "work.progress")

    async def dead_letter(self, msg, reason: str) -> None:
        """Files the original bytes and headers with why; terms it only once that is stored."""
        md = msg.metadata
        headers = {k: v for k, v in (msg.headers or {}).items() if not k.startswith("Harness-Dlq-") and k != "Nats-Msg-Id"}
        headers.update({
            "Harness-Dlq-Reason": " ".join(reason.split())[:4_000], "Harness-Dlq-Subject": msg.subject,
            "Harness-Dlq-Deliveries": str(md.num_delivered), "Harness-Dlq-Consumer": self.durable,
            "Harness-Dlq-Stream": md.stream, "Harness-Dlq-Stream-Seq": str(md.sequence.stream),
            "Nats-Msg-Id": f"dlq-{self.durable}-{md.stream}-{md.sequence.stream}",
        })
        try:
            await self.js.publish(f"harness.dlq.{self.durable}", msg.data, headers=headers)
        except Exception:
            await msg.nak(delay=BACKOFF_S[0])
            return
        await msg.term()

    async def heartbeat(self, version: str, capacity: int) -> None:
        started = now()
        while not self.nc.is_closed:
            beat = {
                "type": "service.heartbeat", "schemaVersion": 1, "role": "evaluator", "name": self.name, "instance": self.instance,
                "version": version, "inFlight": self.in_flight, "capacity": capacity, "startedAt": started, "time": now(),
            }
            try:
                await self.nc.publish(f"harness.services.heartbeat.evaluator.{self.name}", json.dumps(beat).encode())
            except Exception:
                pass  # reconnecting: the next beat goes out
            await asyncio.sleep(5)
