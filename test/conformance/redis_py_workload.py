"""redis-py side of the client conformance kit (python-workload.ts runs it).

    /usr/bin/python3 redis_py_workload.py <scenario> '<json config>'

scenario: hard-kill | silent-primary | reshard-pipeline | demotion | sharded-pubsub
config:   {"startupNodes":[{"host","port"}...], "nodeTimeoutMs", "commandTimeoutMs",
           "slotKeyTag" (reshard-pipeline), "channel" (sharded-pubsub)}

stdout carries JSON lines only: {"event":"ready"} once the workload runs steadily, then one
{"event":"result",...} at the end (exit 0), or {"event":"result","crash":"..."} (exit 1).
stdin carries JSON lines: {"cmd":"phase","name","atMs"} (noted) and {"cmd":"stop"} (stop the
workload, verify, report, exit); end of stdin counts as stop. Times are epoch milliseconds.

The client is configured as a careful user would, and one RedisCluster object lives for the
whole run: errors are counted ("<Class>: <text>"[:120] -> count) and the workload goes on, so
the result judges redis-py's own recovery. Standard library + redis-py only.
"""
import json
import os
import sys
import threading
import time
import traceback
from collections import deque

# Keep stdout for our JSON only: save the real fd 1, then point fd 1 and sys.stdout at stderr,
# so any print from a library (or C code) cannot corrupt the runner's line protocol.
_OUT = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr
_OUT_LOCK = threading.Lock()

import redis  # noqa: E402  (imported after the stdout guard on purpose)
from redis.cluster import ClusterNode, RedisCluster  # noqa: E402

RUN_FOR_RECOVERY = 100  # consecutive successes that count as "recovered"
READY_AFTER_S = 0.5  # steady running time before "ready"
VERIFY_BUDGET_S = 40.0  # from stop; the runner SIGKILLs us 60 s after stop


def now_ms():
    return time.time() * 1000


def epoch_ms():
    return round(time.time() * 1000)  # whole ms in the result, as the Node side's Date.now()


def emit(obj):
    with _OUT_LOCK:
        _OUT.write(json.dumps(obj) + "\n")
        _OUT.flush()


def log(msg):
    sys.stderr.write(f"[redis_py_workload] {msg}\n")
    sys.stderr.flush()


class Control:
    """stdin reader (a thread, so a command stuck in redis-py never delays "stop")."""

    def __init__(self):
        self.stop = threading.Event()
        self.stop_at = None  # time.time() when stop came: the verification budget counts from it
        self.phases = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in sys.stdin:
            try:
                msg = json.loads(line)
            except ValueError:
                log(f"ignoring stdin line {line.strip()[:200]!r}")
                continue
            if msg.get("cmd") == "phase":
                self.phases.append((msg.get("name"), msg.get("atMs")))
                log(f"phase {msg.get('name')} at {msg.get('atMs')}")
            elif msg.get("cmd") == "stop":
                break
        # stop, or end of stdin (the runner is gone): either way, wind down and report.
        self.stop_at = time.time()
        self.stop.set()


class Errors:
    def __init__(self):
        self.counts = {}
        self.first_at_ms = None

    def add(self, exc):
        text = f"{type(exc).__name__}: {exc}"[:120]
        self.counts[text] = self.counts.get(text, 0) + 1
        if self.first_at_ms is None:
            self.first_at_ms = epoch_ms()
        return text


def make_client(cfg, read_from_replicas=False):
    timeout = cfg.get("commandTimeoutMs", 1000) / 1000
    return RedisCluster(
        startup_nodes=[ClusterNode(n["host"], int(n["port"])) for n in cfg["startupNodes"]],
        decode_responses=True,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        cluster_error_retry_attempts=3,
        read_from_replicas=read_from_replicas,
    )


class Ready:
    """Says "ready" once, after READY_AFTER_S of running with at least `need` successes."""

    def __init__(self, need):
        self.need, self.count, self.done = need, 0, False
        self.started = time.time()

    def success(self):
        self.count += 1
        if not self.done and self.count >= self.need and time.time() - self.started >= READY_AFTER_S:
            self.done = True
            emit({"event": "ready"})


def verify_keys(rc, acked, confirmed, deadline):
    """GETs every acknowledged key with the same client. Up to 21 passes, 100 ms apart, each
    retrying the keys not yet read. Within a pass, once a GET to a node fails, that node's
    other keys wait for the next pass: a failing GET costs redis-py ~1 s (5 connection
    attempts), so trying each key in turn would spend the whole budget on the first dead
    node's keys and leave the healthy shards' keys unread. Keys still unread after the last
    pass, or when the budget runs out, are unverifiable."""
    lost_confirmed, lost = [], 0
    pending = list(acked.items())
    for attempt in range(21):
        if attempt:
            time.sleep(0.1)
        failed_nodes, retry = set(), []
        for key, value in pending:
            try:
                node = rc.get_node_from_key(key).name
            except Exception:  # noqa: BLE001 - slot not covered in the client's cache
                node = None
            if time.time() > deadline or node in failed_nodes:
                retry.append((key, value))
                continue
            try:
                got = rc.get(key)
            except Exception:  # noqa: BLE001 - any failure is "could not read it back (yet)"
                failed_nodes.add(node)
                retry.append((key, value))
                continue
            if got != value:
                lost += 1
                if key in confirmed:
                    lost_confirmed.append(key)
        pending = retry
        if not pending or time.time() > deadline:
            break
    return lost_confirmed, lost, len(pending)


def writer(ctl, cfg, prefix, per_second, wait_every, read_back):
    """hard-kill / silent-primary (SET + every 20th SET;WAIT 1 500) and demotion (SET, then a
    GET - routed to replicas by read_from_replicas - of a key written >= 200 ms earlier)."""
    rc = make_client(cfg, read_from_replicas=read_back)
    errors, ready = Errors(), Ready(300)
    acked, confirmed = {}, set()
    written_at = deque()  # (ms, key) of acked writes, oldest first: the read-back candidates
    attempts = run = reads = stale = read_errors = 0
    error_since_recovery = False
    recoveries = []
    max_cmd_ms = 0.0
    started = time.time()
    i = 0
    while not ctl.stop.is_set():
        due = started + attempts / per_second  # pace: sleep when ahead of schedule
        ahead = due - time.time()
        if ahead > 0:  # read once: time.sleep refuses a negative length
            time.sleep(ahead)
        key, value = f"{prefix}:{i}", f"v{i}"
        with_wait = wait_every > 0 and i % wait_every == 0
        i += 1
        attempts += 1
        t0 = now_ms()
        try:
            # "acked" means SET replied OK, whatever the WAIT after it does.
            if rc.set(key, value):
                acked[key] = value
                written_at.append((t0, key))
            if with_wait:
                # WAIT must run on the primary that took the SET: get_node_from_key() is the
                # slot's primary in redis-py's slot cache (index 0), and an explicit
                # target_nodes makes redis-py send it there without retrying elsewhere.
                node = rc.get_node_from_key(key)
                if rc.execute_command("WAIT", 1, 500, target_nodes=node) >= 1:
                    confirmed.add(key)
            ok = True
        except Exception as e:  # noqa: BLE001 - count, go on with the same client
            errors.add(e)
            ok, run, error_since_recovery = False, 0, True
        took_ms = now_ms() - t0
        max_cmd_ms = max(max_cmd_ms, took_ms)
        if not ok:
            time.sleep(0.005)  # like the Node loop: do not spin on a failing cluster
            continue
        ready.success()
        if took_ms >= cfg["commandTimeoutMs"]:
            # A write that hung and then succeeded disturbs a run as an error does (as the
            # Node writer counts it): recovery means writes both succeed and are prompt again.
            run, error_since_recovery = 0, True
            continue
        run += 1
        if run == RUN_FOR_RECOVERY and error_since_recovery:
            recoveries.append(epoch_ms())  # first completed run of 100 after an error
            error_since_recovery = False
        if read_back:
            # The newest acked key that is at least 200 ms old (dropping older ones as we go).
            old = None
            while written_at and written_at[0][0] <= now_ms() - 200:
                old = written_at.popleft()[1]
            if old is not None:
                reads += 1
                try:
                    if rc.get(old) != acked[old]:
                        stale += 1  # replica lag or a lost write: counted, not fatal
                except Exception as e:  # noqa: BLE001
                    read_errors += 1
                    errors.add(e)
    seconds = time.time() - started
    log(f"writer stopped after {attempts} attempts; verifying {len(acked)} keys")
    lost_confirmed, lost, unverifiable = verify_keys(rc, acked, confirmed, ctl.stop_at + VERIFY_BUDGET_S)
    result = {
        "event": "result",
        "acked": len(acked),
        "attempts": attempts,
        "confirmed": len(confirmed),
        "lostConfirmed": lost_confirmed,
        "lostAcked": lost,
        "unverifiable": unverifiable,
        "errors": errors.counts,
        "firstErrorAtMs": errors.first_at_ms,
        "recoveries": recoveries,
        "maxCommandMs": round(max_cmd_ms, 1),
        "opsPerSec": round(attempts / seconds, 1) if seconds > 0 else 0.0,
    }
    if read_back:
        result.update({"reads": reads, "staleReads": stale, "readErrors": read_errors})
    return result


def reshard_pipeline(ctl, cfg):
    """Pipelines of 5 x (SET k v; GET k) over 50 keys of one slot while the slot migrates: a
    MOVED/ASK/TRYAGAIN reaching the application, or a GET not seeing its SET, is a failure."""
    rc = make_client(cfg)
    tag = cfg.get("slotKeyTag", "{r}")
    keys = [f"{tag}k{j}" for j in range(50)]
    errors, ready = Errors(), Ready(100)
    batches = commands = redirect = wrong = counter = 0

    def count(err):
        nonlocal redirect
        text = errors.add(err)
        if any(w in text for w in ("MOVED", "ASK", "TRYAGAIN")):
            redirect += 1

    while not ctl.stop.is_set():
        pairs = []
        for n in range(5):
            key = keys[(batches * 5 + n) % len(keys)]
            pairs.append((key, f"{key}:{counter}"))
            counter += 1
        pipe = rc.pipeline()
        for key, value in pairs:
            pipe.set(key, value)
            pipe.get(key)
        batches += 1
        try:
            # raise_on_error=False: each command's own error comes back in place, so one bad
            # reply does not hide the others (and the GETs can still be checked).
            replies = pipe.execute(raise_on_error=False)
        except Exception as e:  # noqa: BLE001
            count(e)
            time.sleep(0.005)
            continue
        commands += len(replies)
        clean = True
        for at, reply in enumerate(replies):
            if isinstance(reply, Exception):
                clean = False
                count(reply)
            elif at % 2 == 1 and reply != pairs[at // 2][1]:
                wrong += 1
        if clean:
            ready.success()
    return {"event": "result", "batches": batches, "commands": commands, "errors": errors.counts,
            "redirectErrors": redirect, "wrongValues": wrong}


def has_sharded_pubsub():
    from redis.cluster import ClusterPubSub

    return hasattr(ClusterPubSub, "ssubscribe") and hasattr(RedisCluster, "spublish")


def sharded_pubsub(ctl, cfg):
    """SSUBSCRIBE + SPUBLISH {"seq":n} every 10 ms. Sharded pub/sub came to RedisCluster in
    redis-py 5.0; this machine's 4.3.4 has none, so the usual outcome is "unsupported"."""
    if not has_sharded_pubsub():
        return {"event": "result",
                "unsupported": f"redis-py {redis.__version__} has no sharded pub/sub "
                               "(SSUBSCRIBE/SPUBLISH) in RedisCluster (added in 5.0)"}
    # redis-py >= 5 path: written to the 5.x API but not exercised here (this machine has 4.3.4).
    rc = make_client(cfg)
    channel = cfg.get("channel", "{ps}news")
    errors, ready = Errors(), Ready(5)
    published, received = [], []
    ps = rc.pubsub()
    ps.ssubscribe(channel)
    seq, started = 0, time.time()
    while not ctl.stop.is_set():
        try:
            msg = ps.get_sharded_message(timeout=0.0)
            while msg:
                if msg.get("type") == "smessage":
                    received.append(json.loads(msg["data"])["seq"])
                msg = ps.get_sharded_message(timeout=0.0)
        except Exception as e:  # noqa: BLE001
            errors.add(e)
        if time.time() >= started + seq * 0.01:
            at = epoch_ms()
            try:
                rc.spublish(channel, json.dumps({"seq": seq}))
                published.append([seq, at])
                if len(received) >= 5:
                    ready.success()
            except Exception as e:  # noqa: BLE001
                errors.add(e)
            seq += 1
        time.sleep(0.002)
    end = time.time() + 0.3  # messages still on their way get a moment to arrive
    while time.time() < end:
        try:
            msg = ps.get_sharded_message(timeout=0.05)
            if msg and msg.get("type") == "smessage":
                received.append(json.loads(msg["data"])["seq"])
        except Exception as e:  # noqa: BLE001
            errors.add(e)
    return {"event": "result", "published": published, "received": received, "errors": errors.counts}


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: redis_py_workload.py <scenario> '<json config>'")
    scenario, cfg = sys.argv[1], json.loads(sys.argv[2])
    if scenario == "sharded-pubsub" and not has_sharded_pubsub():
        # Report at once, before reading stdin or connecting: no "ready" for this one.
        return sharded_pubsub(None, cfg)
    ctl = Control()
    if scenario in ("hard-kill", "silent-primary"):
        return writer(ctl, cfg, "cw", 1000, 20, read_back=False)
    if scenario == "demotion":
        return writer(ctl, cfg, "dm", 500, 0, read_back=True)
    if scenario == "reshard-pipeline":
        return reshard_pipeline(ctl, cfg)
    if scenario == "sharded-pubsub":
        return sharded_pubsub(ctl, cfg)
    raise ValueError(f"unknown scenario {scenario!r}")


if __name__ == "__main__":
    try:
        result = main()
        code = 0
    except BaseException as e:  # noqa: BLE001 - anything unexpected becomes a "crash" result
        traceback.print_exc()
        result, code = {"event": "result", "crash": f"{type(e).__name__}: {e}"[:2000]}, 1
    emit(result)
    # os._exit: do not wait on the stdin thread or on redis-py's sockets.
    os._exit(code)
