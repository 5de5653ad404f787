#!/usr/bin/python3
# Unit tests of the template's handlers, without a daemon: build the
# requests the daemon would send and call the methods directly. Run with
#   /usr/bin/python3 -m unittest test_plugin.py   (in this folder, after ./generate-stubs)
import importlib.util
import os
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("plugin", os.path.join(HERE, "plugin.py"))
plugin = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plugin)  # puts gen/ on the path

from attune.plugin.v1 import plugin_pb2  # noqa: E402
from attune.v1 import exercise_pb2, records_pb2  # noqa: E402


def context(**options):
    c = plugin_pb2.SessionContext(exercise="weekly-appreciation", session_id="test", seed=1,
                                  first_name="Alex", second_name="Sam")
    # The daemon always sends every declared option, defaults included.
    c.options["listen_seconds"] = "60"
    c.options.update(options)
    return c


def answered(step, **answer):
    return plugin_pb2.Exchange(step=step, answer=exercise_pb2.Answer(**answer))


class HandlersTest(unittest.TestCase):
    def test_a_whole_session(self):
        p = plugin.Plugin()
        ctx = context(listen_seconds="90")
        step = p.Start(plugin_pb2.StartRequest(context=ctx), None).step
        self.assertEqual(step.key, "why")
        transcript = [answered(step, done=True)]
        step = p.Advance(plugin_pb2.AdvanceRequest(context=ctx, transcript=transcript), None).step
        self.assertEqual(step.key, "appreciation")
        transcript.append(answered(step, text="You fixed the bike without being asked."))
        step = p.Advance(plugin_pb2.AdvanceRequest(context=ctx, transcript=transcript), None).step
        self.assertEqual(step.timed_turn.seconds, 90, "the option sets the turn")
        transcript.append(answered(step, done=True, elapsed_seconds=90))
        step = p.Advance(plugin_pb2.AdvanceRequest(context=ctx, transcript=transcript), None).step
        transcript.append(answered(step, rating=5))
        reply = p.Advance(plugin_pb2.AdvanceRequest(context=ctx, transcript=transcript), None)
        self.assertTrue(reply.complete)

        done = p.Finish(plugin_pb2.FinishRequest(context=ctx, transcript=transcript), None)
        self.assertEqual(len(done.records), 1)
        kept = done.records[0].appreciation
        self.assertEqual(kept.text, "You fixed the bike without being asked.")
        self.assertEqual(kept.recipient, "Sam")
        self.assertEqual(kept.visibility, records_pb2.VISIBILITY_SHARED)

    def test_the_same_transcript_gives_the_same_step(self):
        p = plugin.Plugin()
        first = p.Start(plugin_pb2.StartRequest(context=context()), None).step
        request = plugin_pb2.AdvanceRequest(context=context(),
                                            transcript=[answered(first, done=True)])
        self.assertEqual(p.Advance(request, None), p.Advance(request, None))

    def test_describe_matches_the_manifest(self):
        described = plugin.Plugin().Describe(plugin_pb2.DescribeRequest(), None)
        with open(os.path.join(HERE, "manifest.textproto")) as f:
            manifest = f.read()
        self.assertIn('id: "%s"' % described.plugin_id, manifest)
        self.assertIn('version: "%s"' % described.version, manifest)


if __name__ == "__main__":
    unittest.main()
