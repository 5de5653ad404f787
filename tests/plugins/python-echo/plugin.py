#!/usr/bin/python3
# A test plugin written in Python, started by attuned's plugin host like any
# other: it proves the plugin protocol (proto/attune/plugin/v1/plugin.proto)
# is language-neutral. It uses Debian's python3-grpcio and protobuf, with
# stubs generated at build time into gen/ beside this file.
#
# Exercise "python-echo": a prompt, a text input, a choice; Finish echoes the
# text and keeps a counter in the plugin's own record. For the daemon's tests
# of plugin replies out of shape, the option "shape" makes Start answer
# "complete" instead of a first step ("complete_at_start"), a step and
# "complete" at once ("both"), or neither ("neither").
import os
import signal
import sys
import threading
from concurrent import futures

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))

import grpc  # noqa: E402
from attune.plugin.v1 import plugin_pb2, plugin_pb2_grpc  # noqa: E402
from attune.v1 import exercise_pb2  # noqa: E402

COOKIE = ("ATTUNE_PLUGIN_COOKIE", "7d1f0c5e9a3b4c62")
PLUGIN_ID = "python-echo"
VERSION = "1.0.0"


def exercise():
    return exercise_pb2.Exercise(
        id="python-echo", title="Echo, in Python",
        summary="A test exercise served by a plugin written in Python.",
        minutes=1, mode=exercise_pb2.EXERCISE_MODE_SOLO, tags=["test"])


def script(context):
    """The steps of a session, in order."""
    first = context.first_name or "you"
    hello = exercise_pb2.Step(key="hello", title="Hello",
                              text="Hello %s, from Python." % first,
                              prompt=exercise_pb2.PromptStep())
    # The daemon fills in {first} and {second} for a plugin in any language.
    words = exercise_pb2.Step(key="words", title="Words for {second}",
                              text="{first}, write something for {second}.",
                              text_input=exercise_pb2.TextInputStep(required=True, max_chars=200))
    mood = exercise_pb2.Step(
        key="mood", title="Mood", text="How was that?",
        choice_input=exercise_pb2.ChoiceInputStep(
            choices=[exercise_pb2.Choice(key="good", label="Good"),
                     exercise_pb2.Choice(key="odd", label="Odd")],
            min_choices=1, max_choices=1))
    return [hello, words, mood]


def answers(transcript):
    return {ex.step.key: ex.answer for ex in transcript}


class Plugin(plugin_pb2_grpc.PluginServiceServicer):
    def Describe(self, request, context):
        return plugin_pb2.DescribeResponse(plugin_id=PLUGIN_ID, version=VERSION,
                                           exercises=[exercise()])

    def Start(self, request, context):
        shape = request.context.options.get("shape", "")
        if shape == "complete_at_start":
            return plugin_pb2.StepResponse(complete=True)
        if shape == "both":
            return plugin_pb2.StepResponse(step=script(request.context)[0], complete=True)
        if shape == "neither":
            return plugin_pb2.StepResponse()
        return plugin_pb2.StepResponse(step=script(request.context)[0])

    def Advance(self, request, context):
        done = answers(request.transcript)
        for step in script(request.context):
            if step.key not in done:
                return plugin_pb2.StepResponse(step=step)
        return plugin_pb2.StepResponse(complete=True)

    def Finish(self, request, context):
        done = answers(request.transcript)
        count = 1
        for record in request.context.records:
            if record.key == "count":
                count = int(record.data.decode() or "0") + 1
        reply = plugin_pb2.FinishResponse(
            summary="Python heard: %s (session %d)" % (done["words"].text, count),
            used_items=["py-%d" % count])
        out = reply.records.add()
        out.plugin_record.key = "count"
        out.plugin_record.data = str(count).encode()
        return reply

    def Ping(self, request, context):
        return plugin_pb2.PingResponse()


def main():
    if os.environ.get(COOKIE[0]) != COOKIE[1]:
        sys.stderr.write("This is an Attune plugin; attuned starts it.\n")
        return 1
    if "1" not in os.environ.get("ATTUNE_PLUGIN_PROTOCOL_VERSIONS", "").split(","):
        sys.stderr.write("attuned does not speak protocol version 1\n")
        return 1
    socket = os.path.join(os.environ["ATTUNE_PLUGIN_SOCKET_DIR"], "plugin.sock")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    plugin_pb2_grpc.add_PluginServiceServicer_to_server(Plugin(), server)
    server.add_insecure_port("unix:" + socket)
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("1|1|unix|%s|grpc" % socket, flush=True)
    stop.wait()
    server.stop(1).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
