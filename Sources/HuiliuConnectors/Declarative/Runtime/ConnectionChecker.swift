import HuiliuCore
import HuiliuKit
import HuiliuTransport

/// `huiliu connector check`: renders the configuration, authenticates, and fetches the
/// first page of the first slice (or lists the files and reads the first batch of the
/// first), explaining each step.
struct ConnectionChecker {
    let source: DeclarativeSource

    func run() async -> ConnectionReport {
        var report = ConnectionReport()
        switch source.stream.kind {
        case .http(let http):
            await checkHTTP(http, &report)
        case .files(let files):
            await checkFiles(files, &report)
        }
        return report
    }

    private func checkHTTP(_ http: HTTPStreamDefinition, _ report: inout ConnectionReport) async {
        let runtime: HTTPStreamRuntime
        let unit: StreamPlan.Unit?
        do {
            runtime = try source.makeRuntime(http)
            let plan = try source.plan(nil, http: http)
            unit = try plan.nextUnit(after: nil, state: plan.initialState)
            report.add("configuration", succeeded: true, "templates render; stream '\(source.stream.name)'")
        } catch {
            report.add("configuration", succeeded: false, "\(error)")
            return
        }
        if case .oauth2(let provider, _) = runtime.upstream.authenticator.mode {
            do {
                let token = try await provider.token()
                report.add("token", succeeded: true, "access token obtained (\(token.type))")
            } catch {
                report.add("token", succeeded: false, "\(error)")
                return
            }
        }
        guard let unit else {
            report.add("request", succeeded: true, "nothing to read: the cursor is already at the end")
            return
        }
        var base = source.baseContext
        base["partition"] = unit.partition
        base["slice"] = unit.slice?.json ?? .null
        let started = ContinuousClock.now
        do {
            let page = try await runtime.fetch(unit.page, base: base, slice: unit.slice)
            let elapsed = ContinuousClock.now - started
            let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            var detail = "\(page.records.count) records in \(milliseconds) ms"
            if let total = page.total { detail += ", total \(total)" }
            if page.ignored { detail += " (ignored by an error rule)" }
            report.add(page.origin, succeeded: true, detail)
        } catch {
            report.add("request", succeeded: false, "\(error)")
        }
    }

    private func checkFiles(_ files: FileStreamDefinition, _ report: inout ConnectionReport) async {
        do {
            let location = try source.fileLocation(files)
            let entries = try await location.list()
            report.add("list \(location.display)", succeeded: true, "\(entries.count) file\(entries.count == 1 ? "" : "s") match '\(files.pattern)'")
            guard let first = entries.first else { return }
            // Listing proves little: a file that cannot be parsed or mapped fails only when read.
            do {
                let reader = try FileStreamReader(source: source, definition: files, checkpoint: nil, location: location, listed: entries)
                let batch = try await reader.next()
                let records = batch?.records.count ?? 0, rejects = batch?.rejects ?? []
                var detail = "\(records) record\(records == 1 ? "" : "s")\(rejects.isEmpty ? "" : ", \(rejects.count) rejected") in the first batch"
                if let reject = rejects.first { detail += "; first rejected: \(reject.origin): \(reject.reason)" }
                // A run dead-letters rejected rows and goes on; a file of nothing but rejects is a mistake.
                report.add("read \(first.name)", succeeded: records > 0 || rejects.isEmpty, detail)
            } catch {
                report.add("read \(first.name)", succeeded: false, "\(error)")
            }
        } catch {
            report.add("list", succeeded: false, "\(error)")
        }
    }
}
