#!/usr/bin/python3
# The Python plugin template: "One appreciation", an exercise for two. Copy
# this folder, rename the id (here, in manifest.textproto and in
# test_plugin.py), run ./generate-stubs, and check it with
# attune-plugin-check. plugins/README.md, "A plugin in Python", walks
# through it.
#
# The first line names the interpreter by its absolute path: the daemon
# passes a plugin only a small PATH, so a python3 found through pyenv, a
# virtualenv or ~/.local would not be the one you tested with. Debian's
# python3-grpcio and python3-protobuf are what this imports.
import logging
import os
import signal
import sys
import threading
import traceback
from concurrent import futures

# The generated stubs live in gen/ beside this file (./generate-stubs). The
# daemon sets no PYTHONPATH, so the plugin finds them itself.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))

import grpc  # noqa: E402
from attune.plugin.v1 import plugin_pb2, plugin_pb2_grpc  # noqa: E402
from attune.v1 import exercise_pb2, records_pb2  # noqa: E402

PLUGIN_ID = "weekly-appreciation"
VERSION = "1.0.0"
# The handshake (plugins/README.md, "How a plugin lives").
COOKIE = ("ATTUNE_PLUGIN_COOKIE", "7d1f0c5e9a3b4c62")
PROTOCOL = "1"


def exercise():
    """What people see when choosing an exercise; the manifest says the same."""
    return exercise_pb2.Exercise(
        id="weekly-appreciation", title="One appreciation",
        summary="One of you names something specific the other did this week and what it "
                "meant; the other takes it in before answering. Kept as a shared appreciation.",
        minutes=5, mode=exercise_pb2.EXERCISE_MODE_PAIR, tags=["appreciation", "weekly"],
        writes=exercise_pb2.Exercise.Writes(kinds=["appreciation"]),
        options=[exercise_pb2.ExerciseOption(
            key="listen_seconds",
            description="how long the one appreciated takes it in before answering",
            integer=exercise_pb2.ExerciseOption.Integer(min=10, max=300, unit="seconds"),
            default_value="60")])


def steps(context):
    """The steps of a session, in order. The daemon fills in {first} (who
    started the session) and {second} (their partner) for every plugin."""
    # Every declared option arrives, with the person's value or its default.
    listen = int(context.options.get("listen_seconds", "60"))
    return [
        exercise_pb2.Step(
            key="why", title="Why one, and why specific",
            text="A general thank-you is easy to miss. One specific thing, said with what it "
                 "meant to you, is easy to remember. {first} speaks first; {second} listens.",
            who=exercise_pb2.PERSON_BOTH, prompt=exercise_pb2.PromptStep()),
        exercise_pb2.Step(
            key="appreciation", title="What {first} appreciated",
            text="{first}, what did {second} do this week that you appreciated, and what did "
                 "it mean to you?",
            who=exercise_pb2.PERSON_FIRST,
            text_input=exercise_pb2.TextInputStep(
                required=True, max_chars=1000,
                placeholder="When you waited up for me on Tuesday, I felt looked after.")),
        exercise_pb2.Step(
            key="take-it-in", title="{second} takes it in",
            text="{first}, say it aloud to {second}. {second}, let it land before you answer: "
                 "no \"you too\", no brushing it off.",
            timed_turn=exercise_pb2.TimedTurnStep(
                speaker=exercise_pb2.PERSON_FIRST, listener=exercise_pb2.PERSON_SECOND,
                seconds=listen)),
        exercise_pb2.Step(
            key="felt", title="How it felt to hear",
            text="{second}, how did it feel to hear that?",
            who=exercise_pb2.PERSON_SECOND,
            rating_input=exercise_pb2.RatingInputStep(low_label="awkward",
                                                      high_label="warm all over")),
    ]


def next_step(context, transcript):
    """The first step not answered yet, or None when the session is complete.
    The whole transcript comes with every call: keep no state between calls."""
    answered = {exchange.step.key for exchange in transcript}
    for step in steps(context):
        if step.key not in answered:
            return step
    return None


def answers(transcript):
    return {exchange.step.key: exchange.answer for exchange in transcript}


def logged(handler):
    """Prints a failing handler's traceback to stderr before gRPC turns it
    into a bare "Exception calling application" status: the daemon writes
    a plugin's stderr to its log file, and attune-plugin-check prints it.
    Never print a person's answers yourself."""
    def wrapper(self, request, context):
        try:
            return handler(self, request, context)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            sys.stderr.flush()
            raise
    wrapper.__name__ = handler.__name__
    return wrapper


class Plugin(plugin_pb2_grpc.PluginServiceServicer):
    @logged
    def Describe(self, request, context):
        return plugin_pb2.DescribeResponse(plugin_id=PLUGIN_ID, version=VERSION,
                                           exercises=[exercise()])

    @logged
    def Start(self, request, context):
        return plugin_pb2.StepResponse(step=next_step(request.context, []))

    @logged
    def Advance(self, request, context):
        step = next_step(request.context, request.transcript)
        if step is None:
            return plugin_pb2.StepResponse(complete=True)
        return plugin_pb2.StepResponse(step=step)

    @logged
    def Finish(self, request, context):
        said = answers(request.transcript)
        reply = plugin_pb2.FinishResponse(
            summary="Kept as a shared appreciation. Next week, {second} begins.")
        # A record leaves the person's device only as SHARED when it says so;
        # an appreciation is meant to be heard. Left unset, it stays PRIVATE.
        reply.records.add().appreciation.CopyFrom(records_pb2.Appreciation(
            text=said["appreciation"].text,
            recipient=request.context.second_name,
            visibility=records_pb2.VISIBILITY_SHARED))
        return reply

    @logged
    def Ping(self, request, context):
        return plugin_pb2.PingResponse()


def main():
    if os.environ.get(COOKIE[0]) != COOKIE[1]:
        sys.stderr.write("This is an Attune exercise plugin: attuned starts it when someone "
                         "begins one of its exercises. To try it: attune-plugin-check %s\n"
                         % os.path.dirname(os.path.abspath(__file__)))
        return 1
    if PROTOCOL not in os.environ.get("ATTUNE_PLUGIN_PROTOCOL_VERSIONS", "").split(","):
        sys.stderr.write("this plugin speaks protocol version %s, which attuned does not "
                         "offer\n" % PROTOCOL)
        return 1
    # gRPC's own problems (a port it cannot bind, ...) go to stderr too.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    socket = os.path.join(os.environ["ATTUNE_PLUGIN_SOCKET_DIR"], "plugin.sock")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    plugin_pb2_grpc.add_PluginServiceServicer_to_server(Plugin(), server)
    server.add_insecure_port("unix:" + socket)
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # The handshake line. flush=True: stdout is a pipe, so Python would keep
    # the line in its buffer and the daemon would wait for it in vain.
    print("%s|%s|unix|%s|grpc" % ("1", PROTOCOL, socket), flush=True)
    stop.wait()
    # The daemon waits 2 s after SIGTERM before it kills: stop at once.
    server.stop(grace=0).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
