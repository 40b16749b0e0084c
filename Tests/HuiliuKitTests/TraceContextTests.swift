import HuiliuKit
import Testing

/// W3C Trace Context as Huiliu reads, writes and derives it.
struct TraceContextTests {
    @Test func readsWhatTheStandardAllowsAndIgnoresTheRest() throws {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let context = try #require(TraceContext(traceparent: header))
        #expect(context.traceID == "4bf92f3577b34da6a3ce929d0e0e4736" && context.spanID == "00f067aa0ba902b7" && context.sampled)
        #expect(context.traceparent == header)
        #expect(TraceContext(traceparent: " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 ")?.sampled == false)
        // A later version may add fields after the four it shares with 00.
        #expect(TraceContext(traceparent: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-next")?.traceID == context.traceID)
        for invalid in [
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero span id
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // version 00 has four fields
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  // short trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "",
        ] {
            #expect(TraceContext(traceparent: invalid) == nil, "\(invalid)")
        }
    }

    @Test func aRunsTraceComesFromItsIdAndABatchIsASpanOfIt() throws {
        let run = TraceContext.run("r01a22a036e3898bda9fa")
        #expect(TraceContext(traceparent: run.traceparent) == run)
        #expect(run == TraceContext.run("r01a22a036e3898bda9fa"))
        #expect(run.traceID != TraceContext.run("r01a22a036e3898bda9fb").traceID)
        #expect(!run.sampled, "Huiliu records no spans of its own")
        let batch = run.child("batch 1")
        #expect(batch.traceID == run.traceID && batch.spanID != run.spanID)
        #expect(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")!.child("run r1").sampled,
                "a continued trace keeps the caller's flag")
        #expect(batch == run.child("batch 1") && batch != run.child("batch 2"))
        #expect(TraceContext(traceparent: batch.traceparent) == batch)
    }
}
