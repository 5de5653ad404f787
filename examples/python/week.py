#!/usr/bin/python3
# A client of attuned in Python: the week's check-ins, with who wrote each,
# and the average connection rating; then (with --watch) what changes as it
# happens. It talks to the daemon's
# gRPC API (proto/attune/v1/api.proto) the way the attune CLI does.
#
#   ./generate-stubs                 # once: the Python code of the API, into gen/
#   ./week.py [--watch]
#
# Needs Debian's python3-grpcio and python3-protobuf (and, for the stubs,
# protobuf-compiler and protobuf-compiler-grpc).
import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))

import grpc  # noqa: E402
from google.protobuf import empty_pb2  # noqa: E402
from attune.v1 import api_pb2, api_pb2_grpc  # noqa: E402

TIMEOUT = 10  # seconds; generous, for a busy machine


def socket_path():
    """Where attuned listens, found as the attune CLI finds it."""
    if os.environ.get("ATTUNE_SOCKET"):
        return os.environ["ATTUNE_SOCKET"]
    if os.environ.get("XDG_RUNTIME_DIR"):
        return os.path.join(os.environ["XDG_RUNTIME_DIR"], "attune", "attuned.sock")
    return "/tmp/attune-%d/attuned.sock" % os.getuid()


def main():
    path = socket_path()
    # No TLS: the socket is the owner's alone (mode 0600).
    channel = grpc.insecure_channel("unix:" + path)
    try:
        grpc.channel_ready_future(channel).result(timeout=TIMEOUT)
    except grpc.FutureTimeoutError:
        sys.stderr.write("attuned is not running at %s (start it, or set ATTUNE_SOCKET)\n" % path)
        return 3

    status = api_pb2_grpc.VaultServiceStub(channel).GetStatus(empty_pb2.Empty(), timeout=TIMEOUT)
    if status.state != api_pb2.VaultStatus.STATE_UNLOCKED:
        sys.stderr.write("the vault is %s: run attune unlock\n"
                         % api_pb2.VaultStatus.State.Name(status.state)[len("STATE_"):].lower())
        return 3
    members = api_pb2_grpc.SpaceServiceStub(channel).ListMembers(
        api_pb2.ListMembersRequest(), timeout=TIMEOUT)
    names = {m.member_id: m.display_name for m in members.members}

    since = (datetime.date.today() - datetime.timedelta(days=6)).isoformat()
    check_ins = api_pb2_grpc.CheckInServiceStub(channel)
    request = api_pb2.ListCheckInsRequest(start_day=since)
    ratings = []
    while True:  # every page
        page = check_ins.ListCheckIns(request, timeout=TIMEOUT)
        for c in page.check_ins:
            ratings.append(c.connection_rating)
            who = names.get(c.author, "your partner")
            print("%s  %-12s connection %d/5" % (c.day, who, c.connection_rating))
            print("    high: %s" % c.high)
            print("    low:  %s" % c.low)
        if not page.next_page_token:
            break
        request.page_token = page.next_page_token
    if ratings:
        print("%d check-in%s since %s; connection %.1f of 5 on average"
              % (len(ratings), "" if len(ratings) == 1 else "s", since,
                 sum(ratings) / len(ratings)))
    else:
        print("No check-ins since %s." % since)

    if "--watch" in sys.argv[1:]:
        # Events carry names and kinds, never content: Get what you show.
        print("Watching; Ctrl-C to stop.", flush=True)
        try:
            for event in api_pb2_grpc.EventServiceStub(channel).Watch(api_pb2.WatchRequest()):
                if event.HasField("record_changed"):
                    r = event.record_changed
                    change = api_pb2.RecordChanged.Change.Name(r.change)[len("CHANGE_"):]
                    print("%s %s by %s" % (change.lower(),
                                           r.name, names.get(r.author, "your partner")),
                          flush=True)
        except KeyboardInterrupt:
            pass
        except grpc.RpcError as e:
            sys.stderr.write("the daemon ended the stream: %s\n" % e.details())
            return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
