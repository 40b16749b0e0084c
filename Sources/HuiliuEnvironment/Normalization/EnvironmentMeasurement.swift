public import HuiliuCore

/// One parameter's value for one station and period: an `environment.measurement` event.
///
/// `data` has exactly these members, in this order; the optional ones are left out when the
/// frame or registry has nothing for them:
///
/// | member | content |
/// |---|---|
/// | `station_id` | `MN` |
/// | `system_code` | `ST` |
/// | `edition` | `"2005"`, `"2017"` or `"2025"` |
/// | `interval` | `"realtime"`, `"minute"`, `"hour"` or `"day"`, from `CN` |
/// | `period_start` | `DataTime` in RFC 3339 with `+08:00` |
/// | `parameter_code` | the HJ 212-2017 code (2005 codes mapped through 原编码) |
/// | `parameter_name` | optional: the Chinese name, for codes in the table |
/// | `device_code` | the code as the device sent it |
/// | `value` | `-Rtd` for real-time data, `-Avg` otherwise; an exact decimal |
/// | `min`, `max`, `avg`, `cou` | optional: `-Min`, `-Max`, `-Avg`, `-Cou` |
/// | `zs_value` | optional: `-ZsRtd` or `-ZsAvg`, the converted (折算) value |
/// | `unit` | optional: the station's override, else the catalog's unit |
/// | `flag` | the data flag, `"N"` when absent |
/// | `valid` | true only for flag `N` (domain.md §1.7) |
/// | `status` | what the flag says: `valid`, `stopped`, `maintenance`, `manual`, `fault`, `calibration`, `out_of_range`, `comms_fault`, or `unknown` |
/// | `eflag`, `sample_time`, `qn` | optional: `-EFlag`, `-SampleTime` (RFC 3339), `QN` |
/// | `agency`, `region` | optional: from the station registry |
public struct EnvironmentMeasurement: Sendable {
    /// The event type.
    public static let type = "environment.measurement.v1"

    /// The event payload.
    public var data: Value
    /// The natural key `station/parameter/interval/period_start`, for the event id.
    public var key: String
    /// The event time: `period_start`.
    public var time: String

    /// A measurement from its parts, as a buffer that stored them gives them back.
    public init(data: Value, key: String, time: String) {
        self.data = data
        self.key = key
        self.time = time
    }

    /// The measurement as a pipeline record.
    public func record(origin: RecordOrigin) -> Record {
        var record = Record(data: data, origin: origin, key: key, type: Self.type)
        record.time = time
        return record
    }

    /// True for the data flags that mean valid data.
    ///
    /// Only `N` (instrument normal) is valid. `S` is a manually entered set value and `T` is
    /// above the measuring range, so neither is a measurement to rely on; `F`, `M`, `D`, `C`, `B`
    /// and flags outside table 8 (the unverified 2005 `P`) are invalid.
    public static func isValid(flag: String) -> Bool {
        flag == "N"
    }

    /// The state a data flag reports (domain.md §1.7, HJ 212-2017 table 8): `N` valid,
    /// `F` stopped, `M` maintenance, `S` manual, `D` fault, `C` calibration, `T`
    /// out_of_range, `B` comms_fault; any other flag (the unverified 2005 `P`) is unknown,
    /// kept rather than rejected.
    public static func status(flag: String) -> String {
        switch flag {
        case "N": "valid"
        case "F": "stopped"
        case "M": "maintenance"
        case "S": "manual"
        case "D": "fault"
        case "C": "calibration"
        case "T": "out_of_range"
        case "B": "comms_fault"
        default: "unknown"
        }
    }
}

/// What normalizing one frame produced.
public struct MeasurementNormalization: Sendable {
    /// One event per parameter with a value.
    public var measurements: [EnvironmentMeasurement]
    /// Codes that carried no value for the interval (`LA-td` with only a flag …), and why.
    public var skipped: [(code: String, reason: String)]
}

/// Why a frame yields no measurements.
public struct NormalizationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The command code carries no measurement data (only 2011, 2051, 2061 and 2031 do).
    public static func notMeasurementData(cn: String) -> NormalizationError {
        NormalizationError(message: "CN \(cn) carries no measurement data")
    }

    /// Data uploads need `DataTime`.
    public static let missingDataTime = NormalizationError(message: "the data area has no DataTime")

    /// What is wrong.
    public var message: String

    public var description: String { message }
}

extension EnvironmentMeasurement {
    /// Turns a data upload into `environment.measurement` events.
    /// - Parameters:
    ///   - frame: a verified frame with `CN` 2011, 2051, 2061 or 2031.
    ///   - station: the registry entry for its `MN`, for unit overrides, agency and region.
    public static func normalize(_ frame: HJ212.Frame,
                                 station: StationRegistry.Station? = nil) throws(NormalizationError) -> MeasurementNormalization {
        guard let interval = DataInterval(cn: frame.cn) else { throw .notMeasurementData(cn: frame.cn) }
        guard let dataTime = frame.dataTime else { throw .missingDataTime }
        let periodText = dataTime.rfc3339
        let periodStart = Value.string(periodText)
        var result = MeasurementNormalization(measurements: [], skipped: [])
        result.measurements.reserveCapacity(frame.measurements.count)
        for m in frame.measurements {
            let realtime = interval == .realtime
            let value = realtime ? m.rtd : m.avg
            // A cumulative amount alone (`w00000-Cou`, the day's discharged volume) is a reading
            // of its own: it has no average, and is kept without `value`.
            guard value != nil || (!realtime && m.cou != nil) else {
                let wanted = realtime ? "Rtd" : "Avg"
                let reason = m.unreadable.first { $0.name == wanted }.map { "\(wanted) '\($0.value)' is not a number" }
                result.skipped.append((m.code, reason ?? (realtime ? "no Rtd value" : "no Avg or Cou value")))
                continue
            }
            let parameter = ParameterCatalog.parameter(for: m.code)
            let code = parameter?.code ?? m.code
            let unit = station?.unitOverride(canonicalCode: code, deviceCode: m.code)
                ?? ParameterCatalog.defaultUnit(of: parameter, systemCode: frame.st)
            let flag = m.flag ?? "N"

            var object = Object(minimumCapacity: 22)
            object.appendUnchecked(key: "station_id", value: .string(frame.mn))
            object.appendUnchecked(key: "system_code", value: .string(frame.st))
            object.appendUnchecked(key: "edition", value: .string(frame.edition.rawValue))
            object.appendUnchecked(key: "interval", value: .string(interval.rawValue))
            object.appendUnchecked(key: "period_start", value: periodStart)
            object.appendUnchecked(key: "parameter_code", value: .string(code))
            if let parameter { object.appendUnchecked(key: "parameter_name", value: .string(parameter.name)) }
            object.appendUnchecked(key: "device_code", value: .string(m.code))
            if let value { object.appendUnchecked(key: "value", value: .decimal(value)) }
            if let min = m.min { object.appendUnchecked(key: "min", value: .decimal(min)) }
            if let max = m.max { object.appendUnchecked(key: "max", value: .decimal(max)) }
            if let avg = m.avg { object.appendUnchecked(key: "avg", value: .decimal(avg)) }
            if let cou = m.cou { object.appendUnchecked(key: "cou", value: .decimal(cou)) }
            if let zs = realtime ? m.zsRtd : m.zsAvg { object.appendUnchecked(key: "zs_value", value: .decimal(zs)) }
            if let unit { object.appendUnchecked(key: "unit", value: .string(unit)) }
            object.appendUnchecked(key: "flag", value: .string(flag))
            object.appendUnchecked(key: "valid", value: .bool(isValid(flag: flag)))
            object.appendUnchecked(key: "status", value: .string(status(flag: flag)))
            if let eflag = m.eflag { object.appendUnchecked(key: "eflag", value: .string(eflag)) }
            if let sampleTime = m.sampleTime { object.appendUnchecked(key: "sample_time", value: .string(sampleTime.rfc3339)) }
            if let qn = frame.qn { object.appendUnchecked(key: "qn", value: .string(qn)) }
            if let agency = station?.agency { object.appendUnchecked(key: "agency", value: .string(agency)) }
            if let region = station?.region { object.appendUnchecked(key: "region", value: .string(region)) }

            let key = naturalKey(station: frame.mn, parameter: code, interval: interval, periodStart: periodText)
            result.measurements.append(EnvironmentMeasurement(data: .object(object), key: key, time: periodText))
        }
        return result
    }

    /// `station/parameter/interval/period_start`: the same reading always gets the same key,
    /// so re-delivered frames collapse into one event.
    public static func naturalKey(station: String, parameter: String, interval: DataInterval, periodStart: String) -> String {
        // One buffer and one string: this runs once per measurement on the listener's hot path.
        var bytes = [UInt8]()
        bytes.reserveCapacity(station.utf8.count + parameter.utf8.count + periodStart.utf8.count + 12)
        bytes.append(contentsOf: station.utf8)
        bytes.append(Byte.slash)
        bytes.append(contentsOf: parameter.utf8)
        bytes.append(Byte.slash)
        bytes.append(contentsOf: interval.rawValue.utf8)
        bytes.append(Byte.slash)
        bytes.append(contentsOf: periodStart.utf8)
        return String(decoding: bytes, as: UTF8.self)
    }
}
