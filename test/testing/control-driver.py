"""Drives hashslot-cluster's control port with redis-py, as a Python test suite would.

    python3 control-driver.py <control port>

Prints one JSON object: what each step saw. test/testing/control-port.test.ts starts the
cluster, runs this, and judges the result; this script only records, so a failure shows
the whole run.
"""
import json
import re
import sys
import time

import redis
from redis.exceptions import RedisError
from redis.cluster import ClusterNode, RedisCluster

port = int(sys.argv[1])
control = redis.Redis(port=port, decode_responses=True)
seen = {}


def error_of(*args):
    try:
        control.execute_command(*args)
        return None
    except redis.ResponseError as err:
        return str(err)


def pairs(flat):
    """A RESP2 map (a flat list) as a dict."""
    return dict(zip(flat[0::2], flat[1::2]))


topology = [pairs(node) for node in control.execute_command('TOPOLOGY')]
seen['topology'] = [{k: node[k] for k in ('index', 'ref', 'shard', 'role', 'port', 'slots')} for node in topology]
nodes = [ClusterNode('127.0.0.1', node['port']) for node in topology]

# Events: subscribe first, so nothing of the failover is missed.
events = control.pubsub()
events.subscribe('events')
first = events.get_message(timeout=5)
seen['subscribed'] = [first['type'], first['channel'], first['data']] if first else None

cluster = RedisCluster(startup_nodes=nodes, decode_responses=True)
seen['oracle_start'] = control.execute_command('ORACLE', 'START')
for i in range(100):
    cluster.set('py:{%d}' % (i % 7), str(i))
victim = topology[0]
seen['kill'] = control.execute_command('NODE', 'KILL', 's0')

types = []
deadline = time.time() + 20
failover = None
while time.time() < deadline and failover is None:
    message = events.get_message(timeout=1)
    if message is None or message['type'] != 'message':
        continue
    event = json.loads(message['data'])
    types.append(event['type'])
    if event['type'] == 'failover':
        failover = event
seen['event_types'] = types
seen['failover'] = failover

# The promoted replica announces itself with a PONG to every node; like redis-server, a node
# sends its own broadcasts on the links it opened, where Nagle's algorithm may hold a message
# for a few tens of ms. So the other masters may still name the dead master for a moment after
# the failover event: wait until none does.
live = [redis.Redis(port=node['port'], decode_responses=True) for node in topology if node['port'] != victim['port']]
started = time.time()
deadline = started + 10
while time.time() < deadline:
    views = [str(r.execute_command('CLUSTER', 'SLOTS')) for r in live]
    # The port as a whole word: not inside a node id or a longer number.
    if not any(re.search(r'\b%d\b' % victim['port'], view) for view in views):
        break
    time.sleep(0.02)
seen['converged_ms'] = round((time.time() - started) * 1000)
for r in live:
    r.close()

# A fresh client after the failover (redis-py 4.3's RedisCluster cannot refresh its slots
# after a node died: it fails deep-copying its connection arguments, a bug of the client that
# the conformance kit reports; here only the control port is under test).
cluster.close()
cluster = RedisCluster(startup_nodes=[n for n in nodes if n.port != victim['port']], decode_responses=True)
seen['writes_after'] = 0
deadline = time.time() + 15
while time.time() < deadline and seen['writes_after'] < 50:
    try:
        cluster.set('py:after:{%d}' % seen['writes_after'], 'v')
        seen['writes_after'] += 1
    except RedisError:
        time.sleep(0.1)

seen['restart'] = control.execute_command('NODE', 'RESTART', str(victim['index']))
report = json.loads(control.execute_command('ORACLE', 'CHECK'))
seen['oracle'] = {'acked': report['acked'], 'lost': len(report['lost']), 'lostDespiteWait': len(report['lostDespiteWait'])}
seen['await_timeout'] = control.execute_command('AWAIT', 'slot-moved', 'TIMEOUT', '50')
seen['errors'] = {
    'unknown verb': error_of('FROBNICATE'),
    'bad ref': error_of('NODE', 'PAUSE', 'zz'),
    'no such shard': error_of('FAILOVER', '9'),
    'bad plane': error_of('FAULT', 'ISOLATE', 's1', 'PLANE', 'air'),
    'bad type': error_of('FAULT', 'DROP', 'NOPE'),
    'bad event': error_of('AWAIT', 'nothing-happened'),
    'virtual only': error_of('CLOCK', 'ADVANCE', '10'),
}
events.close()
cluster.close()
print(json.dumps(seen))
