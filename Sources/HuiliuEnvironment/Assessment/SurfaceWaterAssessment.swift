public import HuiliuCore

/// A section's GB 3838-2002 class for one period: an `environment.assessment` event of kind
/// `surface_water_class`.
///
/// The class is the worst class among the evaluated items (single-factor evaluation);
/// `limiting_parameters` names the items at that class.
public struct SurfaceWaterAssessment: Sendable, Equatable {
    /// One evaluated item.
    public struct Item: Sendable, Equatable {
        /// The HJ 212-2017 code.
        public var parameterCode: String
        /// The value as measured.
        public var value: DecimalNumber
        /// The unit of `value`.
        public var unit: String
        /// The item's class.
        public var waterClass: WaterClass
        /// For total phosphorus at a section of unknown water body: its class under the lake and
        /// reservoir limits, where it differs from `waterClass` (the river limits, the lower bound).
        public var classIfLakeReservoir: WaterClass? = nil
    }

    /// The event type.
    public static let type = "environment.assessment.v1"
    /// The `kind` member.
    public static let kind = "surface_water_class"

    /// The section's `MN`.
    public var stationID: String
    /// The period start, RFC 3339.
    public var periodStart: String
    /// The period length.
    public var interval: DataInterval
    /// River or lake/reservoir.
    public var waterBody: WaterBody
    /// The section's class: the worst item's.
    public var waterClass: WaterClass
    /// The evaluated items, in input order.
    public var items: [Item]
    /// Codes of the items whose class is the section's.
    public var limitingParameters: [String]
    /// For a section of unknown water body: its class under the lake and reservoir limits for
    /// total phosphorus, where that is worse than `waterClass` (which then is a lower bound).
    public var waterClassIfLakeReservoir: WaterClass?

    /// Evaluates `samples` (code, value, unit); items outside the 21 evaluated ones, or in a
    /// unit the limits cannot use, are left out. `nil` if no item can be evaluated.
    public init?(stationID: String, periodStart: String, interval: DataInterval, waterBody: WaterBody,
                 samples: [(code: String, value: DecimalNumber, unit: String?)]) {
        var items: [Item] = []
        for sample in samples {
            let code = ParameterCatalog.canonicalCode(for: sample.code)
            let unit = sample.unit ?? ParameterCatalog.parameter(for: code)?.unit
            if waterBody == .unknown, code == "w21011", let unit {
                // Total phosphorus has stricter limits in lakes: with the water body unknown, its
                // river class is what the section is at least, and the lake class what it may be.
                guard let river = SurfaceWaterStandard.waterClass(code: code, value: sample.value, unit: unit, waterBody: .river),
                      let lake = SurfaceWaterStandard.waterClass(code: code, value: sample.value, unit: unit, waterBody: .lakeReservoir)
                else { continue }
                items.append(Item(parameterCode: code, value: sample.value, unit: unit, waterClass: river,
                                  classIfLakeReservoir: lake == river ? nil : lake))
                continue
            }
            guard let unit, let waterClass = SurfaceWaterStandard.waterClass(code: code, value: sample.value, unit: unit,
                                                                        waterBody: waterBody) else { continue }
            items.append(Item(parameterCode: code, value: sample.value, unit: unit, waterClass: waterClass))
        }
        guard let worst = items.map(\.waterClass).max() else { return nil }
        self.stationID = stationID
        self.periodStart = periodStart
        self.interval = interval
        self.waterBody = waterBody
        self.waterClass = worst
        self.items = items
        self.limitingParameters = items.filter { $0.waterClass == worst }.map(\.parameterCode)
        let worstIfLake = items.map { $0.classIfLakeReservoir ?? $0.waterClass }.max() ?? worst
        self.waterClassIfLakeReservoir = worstIfLake > worst ? worstIfLake : nil
    }

    /// Evaluates the valid measurements of one frame (flag `N`); `nil` if none can be evaluated.
    public init?(measurements: [EnvironmentMeasurement], waterBody: WaterBody) {
        guard let first = measurements.first?.data,
              case .string(let station)? = first["station_id"],
              case .string(let period)? = first["period_start"],
              case .string(let intervalText)? = first["interval"],
              let interval = DataInterval(rawValue: intervalText) else { return nil }
        let samples = measurements.compactMap { m -> (code: String, value: DecimalNumber, unit: String?)? in
            guard m.data["valid"] == .bool(true), case .string(let code)? = m.data["parameter_code"],
                  case .decimal(let value)? = m.data["value"] else { return nil }
            return (code, value, m.data["unit"]?.stringValue)
        }
        self.init(stationID: station, periodStart: period, interval: interval, waterBody: waterBody, samples: samples)
    }

    /// The natural key `station/surface_water_class/standard/interval/period_start`.
    public var key: String {
        [stationID, Self.kind, SurfaceWaterStandard.name, interval.rawValue, periodStart].joined(separator: "/")
    }

    /// The event time: the period start.
    public var time: String { periodStart }

    /// The event payload.
    public var data: Value {
        var object = Object(minimumCapacity: 11)
        object.appendUnchecked(key: "kind", value: .string(Self.kind))
        object.appendUnchecked(key: "station_id", value: .string(stationID))
        object.appendUnchecked(key: "period_start", value: .string(periodStart))
        object.appendUnchecked(key: "interval", value: .string(interval.rawValue))
        object.appendUnchecked(key: "standard", value: .string(SurfaceWaterStandard.name))
        object.appendUnchecked(key: "water_body", value: .string(waterBody.rawValue))
        object.appendUnchecked(key: "water_class", value: .string(waterClass.label))
        object.appendUnchecked(key: "water_quality", value: .string(waterClass.qualitative))
        if let waterClassIfLakeReservoir {
            object.appendUnchecked(key: "water_class_if_lake_reservoir", value: .string(waterClassIfLakeReservoir.label))
        }
        object.appendUnchecked(key: "items", value: .array(items.map { item in
            var entry: Object = [
                "parameter_code": .string(item.parameterCode), "value": .decimal(item.value),
                "unit": .string(item.unit), "class": .string(item.waterClass.label),
            ]
            if let lake = item.classIfLakeReservoir { entry["class_if_lake_reservoir"] = .string(lake.label) }
            return .object(entry)
        }))
        object.appendUnchecked(key: "limiting_parameters", value: .array(limitingParameters.map { .string($0) }))
        return .object(object)
    }

    /// The assessment as a pipeline record.
    public func record(origin: RecordOrigin) -> Record {
        var record = Record(data: data, origin: origin, key: key, type: Self.type)
        record.time = time
        return record
    }
}
