"""Parallel RunTask/StopTask into one small subnet (issue 3, N11): no address
is ever handed out twice, and AvailableIpAddressCount always equals usable
addresses minus live ENIs."""

import threading
from collections import Counter

from ecs_support import (available, describe, details, enis_in, make_vpc, task_enis, register, reserved, setup_cluster,
                         usable, wait_until)

N = 70
CIDR = "10.0.9.0/26"  # 59 usable


def parallel(fns):
    barrier = threading.Barrier(len(fns))
    results = [None] * len(fns)

    def worker(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as e:  # noqa: BLE001 - reported below
            results[i] = e

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    return results


def settled(ecs, arns):
    tasks = describe(ecs, "c1", arns)
    return tasks if all(t["lastStatus"] in ("RUNNING", "STOPPED") for t in tasks) else None


def check_invariants(ec2, vid, sid):
    enis = enis_in(ec2, vid)
    ips = [p["PrivateIpAddress"] for e in enis for p in e["PrivateIpAddresses"]]
    dup = [ip for ip, n in Counter(ips).items() if n > 1]
    assert not dup, f"duplicated addresses: {dup}"
    assert not set(ips) & reserved(CIDR)
    live = [e for e in enis if e["SubnetId"] == sid]
    assert available(ec2, sid) == usable(CIDR) - len(live)
    return task_enis(ec2, vid)


def test_parallel_runtask_into_a_small_subnet(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=(CIDR,))
    sid = subs[0]["SubnetId"]
    assert available(ec2, sid) == 59
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    clients = [aws.ecs() for _ in range(N)]
    net = {"awsvpcConfiguration": {"subnets": [sid]}}

    def launcher(c):
        return lambda: c.run_task(cluster="c1", taskDefinition=td, launchType="FARGATE", networkConfiguration=net)

    results = parallel([launcher(c) for c in clients])
    arns = []
    for r in results:
        assert r["failures"] == [] and len(r["tasks"]) == 1
        arns.append(r["tasks"][0]["taskArn"])
    assert len(set(arns)) == N
    tasks = wait_until(lambda: settled(ecs, arns), timeout=20, what="all tasks settled")
    running = [t for t in tasks if t["lastStatus"] == "RUNNING"]
    failed = [t for t in tasks if t["lastStatus"] == "STOPPED"]
    assert len(running) == 59 and len(failed) == N - 59
    for t in failed:
        assert t["stopCode"] == "TaskFailedToStart"
        assert t["stoppedReason"] == (
            f"Unexpected EC2 error while attempting to Create Network Interface in subnet '{sid}': "
            "InsufficientFreeAddressesInSubnet")
    ips = [details(t)["privateIPv4Address"] for t in running]
    assert len(set(ips)) == 59
    enis = check_invariants(ec2, vid, sid)
    assert len(enis) == 59 and available(ec2, sid) == 0
    assert {e["NetworkInterfaceId"] for e in enis} == {details(t)["networkInterfaceId"] for t in running}

    # now stop 30 and start 40 at the same time
    to_stop = [t["taskArn"] for t in running[:30]]
    fns = [(lambda c=c, a=a: c.stop_task(cluster="c1", task=a)) for c, a in zip(clients, to_stop)]
    fns += [launcher(c) for c in clients[30:70]]
    results = parallel(fns)
    new_arns = [r["tasks"][0]["taskArn"] for r in results[30:]]
    everything = arns + new_arns
    tasks = wait_until(lambda: settled(ecs, everything), timeout=20, what="second wave settled")
    by_arn = {t["taskArn"]: t for t in tasks}
    # the 29 running tasks nobody touched are still running; the 30 stopped ones stopped as asked
    kept = [t["taskArn"] for t in running[30:]]
    assert len(kept) == 29 and all(by_arn[a]["lastStatus"] == "RUNNING" for a in kept)
    for a in to_stop:
        assert (by_arn[a]["lastStatus"], by_arn[a]["stopCode"]) == ("STOPPED", "UserInitiated")
    # the stopped tasks' addresses may be freed before or after the new tasks ask for one, so
    # anywhere from none to 30 of the 40 new tasks fit; every other one failed for want of an address
    new_running = [by_arn[a] for a in new_arns if by_arn[a]["lastStatus"] == "RUNNING"]
    assert 0 <= len(new_running) <= 30
    for a in new_arns:
        t = by_arn[a]
        if t["lastStatus"] == "STOPPED":
            assert t["stopCode"] == "TaskFailedToStart"
            assert t["stoppedReason"] == (
                f"Unexpected EC2 error while attempting to Create Network Interface in subnet '{sid}': "
                "InsufficientFreeAddressesInSubnet")
    live = [t for t in tasks if t["lastStatus"] == "RUNNING"]
    assert len(live) == 29 + len(new_running)
    assert available(ec2, sid) == 59 - len(live)
    live_ips = [details(t)["privateIPv4Address"] for t in live]
    assert len(set(live_ips)) == len(live_ips)
    enis = check_invariants(ec2, vid, sid)
    assert len(enis) == len(live)
    # once everything is stopped the subnet is whole again
    fns = [(lambda c=c, a=t["taskArn"]: c.stop_task(cluster="c1", task=a)) for c, t in zip(clients, live)]
    parallel(fns)
    wait_until(lambda: all(t["lastStatus"] == "STOPPED" for t in describe(ecs, "c1", everything)),
               timeout=20, what="all stopped")
    assert task_enis(ec2, vid) == []
    assert available(ec2, sid) == 59
