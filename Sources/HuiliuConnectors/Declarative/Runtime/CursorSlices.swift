import HuiliuCore
import HuiliuExpression
import HuiliuKit

/// One range of an incremental cursor that is read as a unit: `slice.start` and
/// `slice.end` in templates, written as the API writes its cursor.
struct CursorSlice: Sendable, Equatable {
    /// The start as the API writes it (text for datetimes, a number for integer cursors).
    var start: Value
    /// The end, or `null` for an open-ended integer slice.
    var end: Value
    /// The start as seconds or an integer, for comparisons.
    var lower: Int
    /// The end as seconds or an integer.
    var upper: Int?

    var json: Value { ["start": start, "end": end] }
}

/// Cursor arithmetic for one stream: reading and writing cursor values in the API's format,
/// and cutting the range from the saved cursor (minus the lookback) to the end into slices.
struct CursorMath: Sendable {
    let definition: IncrementalDefinition

    /// A cursor value (from a record, the state or the configuration) as seconds or an integer.
    func number(_ value: Value) throws -> Int {
        switch definition.kind {
        case .integer:
            if let i = value.intValue { return i }
            if let text = value.stringValue, let i = Int(text.trimmingSpaces) { return i }
            throw ManifestRuntimeError("cursor value \(value.jsonText) is not an integer")
        case .datetime:
            if let millis = value.intValue, definition.format == "epoch_ms" { return millis / 1000 }
            if let seconds = value.intValue, definition.format == "epoch_s" { return seconds }
            guard let text = value.stringValue ?? (value.isNumber ? value.jsonText : nil) else {
                throw ManifestRuntimeError("cursor value \(value.jsonText) is not a time")
            }
            do {
                return try TimeText.instant(of: text, format: definition.format, zone: definition.zone)
            } catch let inFormat {
                // Backfill bounds and configuration are often written as plain dates: let the shape decide.
                do { return try TimeText.instant(of: text, zone: definition.zone) } catch {
                    // The complaint that says what is wrong ("day 30 does not exist"), the configured
                    // format's when both only say the text does not match ("does not match auto").
                    let reason = inFormat.message.contains("does not match") && !error.message.contains("does not match")
                        ? error.message : inFormat.message
                    throw ManifestRuntimeError("cursor value '\(text)' is not a time in format \(definition.format): \(reason)")
                }
            }
        }
    }

    /// A number written as the API writes cursor values.
    func value(_ number: Int) throws -> Value {
        switch definition.kind {
        case .integer: return .integer(number)
        case .datetime:
            do { return .string(try TimeText.format(number, as: definition.format, zone: definition.zone)) } catch {
                throw ManifestRuntimeError("cannot write a time as \(definition.format): \(error.message)")
            }
        }
    }

    /// The slices from `from` to `to` (open-ended when `nil`), `step` wide.
    func slices(from: Int, to: Int?) throws -> [CursorSlice] {
        guard let to else { return [CursorSlice(start: try value(from), end: .null, lower: from, upper: nil)] }
        guard from < to else { return [] }
        guard let step = definition.step else {
            return [CursorSlice(start: try value(from), end: try value(to), lower: from, upper: to)]
        }
        var slices: [CursorSlice] = []
        var start = from
        while start < to {
            let end = min(to, start + step)
            slices.append(CursorSlice(start: try value(start), end: try value(end), lower: start, upper: end))
            start = end
        }
        return slices
    }

    /// The slices of one partition: from its saved cursor (less the lookback), or the start.
    func slices(saved: Value?, start: Value, end: Value?, now: Int) throws -> [CursorSlice] {
        let from = try saved.map { try number($0) - definition.lookback } ?? number(start)
        let to: Int?
        if let end, !end.isNull {
            to = try number(end)
        } else {
            to = definition.kind == .datetime ? now : nil
        }
        return try slices(from: from, to: to)
    }
}
