/// `# HELP` lines for the daemon's metrics. They are made through swift-metrics, whose API
/// carries no help text, so the lines are added to the exposition text before each metric's
/// `# TYPE` line.
enum MetricHelp {
    static let texts: [String: String] = [
        "huiliu_runs_total": "Pipeline runs finished, by pipeline and status.",
        "huiliu_run_duration_seconds": "How long pipeline runs took, by pipeline and status.",
        "huiliu_last_success_timestamp_seconds": "Unix time a pipeline's last run succeeded.",
        "huiliu_records_read_total": "Records the pipeline's source read.",
        "huiliu_records_failed_total": "Records the source rejected or a step failed.",
        "huiliu_records_dead_lettered_total": "Records kept in the dead-letter store.",
        "huiliu_records_written_total": "Events written, by pipeline and sink.",
        "huiliu_alerts_raised_total": "Alerts the rules raised, by pipeline, rule and severity.",
        "huiliu_upstream_requests_total": "HTTP requests to upstream systems, by connector, stream and status.",
        "huiliu_upstream_retries_total": "HTTP requests to upstream systems tried again, by connector, stream and reason.",
        "huiliu_upstream_request_duration_seconds": "How long HTTP requests to upstream systems took, by connector, stream and status.",
        "huiliu_ingest_requests_total": "Pushes to the push endpoint, by channel and answer.",
        "huiliu_ingest_records_total": "Records the push endpoint stored, by channel.",
        "huiliu_hj212_frames_total": "HJ 212 frames received, by result (and reason, when refused).",
        "huiliu_hj212_connections_total": "HJ 212 device connections accepted.",
        "huiliu_hj212_open_connections": "HJ 212 device connections open.",
        "huiliu_hj212_ack_latency_seconds": "Time from an HJ 212 frame received to its acknowledgement, durably buffered.",
        "huiliu_store_size_bytes": "Size of the state store on disk.",
        "huiliu_dead_letters_pending": "Dead letters waiting to be replayed or discarded, by pipeline.",
    ]

    /// `exposition` with a `# HELP` line before the `# TYPE` line of each metric described above.
    static func annotate(_ exposition: String) -> String {
        var output = ""
        output.reserveCapacity(exposition.utf8.count + 2048)
        for line in exposition.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), let name = line.dropFirst(7).split(separator: " ").first, let help = texts[String(name)] {
                output += "# HELP \(name) \(help)\n"
            }
            output += line
            output += "\n"
        }
        if output.hasSuffix("\n\n") { output.removeLast() }
        return output
    }
}
