/// What a surface-water section is, which decides its total-phosphorus limits (GB 3838-2002).
public enum WaterBody: String, Sendable, Hashable, CaseIterable {
    /// A river section.
    case river
    /// A lake or reservoir (湖、库), with the stricter TP row.
    case lakeReservoir = "lake_reservoir"
    /// Not registered for the section: total phosphorus is then assessed only where the river
    /// and lake rows give the same class (above 0.4 mg/L, 劣V), never guessed.
    case unknown
}

/// The monitoring stations the gateway knows, by `MN`.
///
/// Loaded from configuration (YAML or JSON, parsed into a ``Value`` by the caller):
///
/// ```yaml
/// stations:
///   - mn: 42118100SW0001
///     name: 浮桥河大桥
///     agency: 生态环境
///     region: "421181"
///     edition: "2017"
///     password: "123456"
///     water_body: river
///     units: { a21026: mg/m³ }
/// ```
public struct StationRegistry: Sendable, Equatable {
    /// One station.
    public struct Station: Sendable, Equatable {
        /// The device or monitoring-point id the frames carry.
        public var mn: String
        /// The station's name.
        public var name: String?
        /// The agency that runs it (生态环境, 水利 …).
        public var agency: String?
        /// Its region, usually a GB/T 2260 code.
        public var region: String?
        /// The edition its frames should follow.
        public var edition: HJ212.Edition?
        /// The password its frames should carry.
        public var password: String?
        /// Units that differ from the catalog, by parameter code (2017 or as sent).
        public var unitOverrides: [String: String]
        /// For surface-water sections: river or lake/reservoir.
        public var waterBody: WaterBody?

        /// A station with only its id.
        public init(mn: String, name: String? = nil, agency: String? = nil, region: String? = nil,
                    edition: HJ212.Edition? = nil, password: String? = nil, unitOverrides: [String: String] = [:],
                    waterBody: WaterBody? = nil) {
            self.mn = mn
            self.name = name
            self.agency = agency
            self.region = region
            self.edition = edition
            self.password = password
            self.unitOverrides = unitOverrides
            self.waterBody = waterBody
        }

        /// The unit for a parameter: the station's override (by 2017 code, then by the code as
        /// sent), else nil.
        public func unitOverride(canonicalCode: String, deviceCode: String) -> String? {
            unitOverrides[canonicalCode] ?? unitOverrides[deviceCode]
        }

        /// How `frame` differs from what this station is registered with.
        public func mismatches(in frame: HJ212.Frame) -> [StationMismatch] {
            var found: [StationMismatch] = []
            if let password, frame.pw != password { found.append(.password) }
            if let edition, frame.edition != edition { found.append(.edition(expected: edition, found: frame.edition)) }
            return found
        }
    }

    /// The stations by `MN`.
    public private(set) var stations: [String: Station]

    /// A registry of `stations`; a later duplicate `MN` replaces an earlier one.
    public init(stations: [Station] = []) {
        self.stations = [:]
        for station in stations { self.stations[station.mn] = station }
    }

    /// The station with this `MN`.
    public subscript(mn: String) -> Station? { stations[mn] }

    /// Units an assessment could not convert, as `MN units.code: why`: an air station's would
    /// leave the pollutant out of its AQI, a section's the item out of its class. Not refused,
    /// as a stack's `mg/Nm3` never feeds an AQI: said when the registry is loaded.
    public var unitWarnings: [String] {
        stations.values.sorted { $0.mn < $1.mn }.flatMap { station in
            station.unitOverrides.sorted { $0.key < $1.key }.compactMap { code, unit in
                ConcentrationUnit.problem(code: ParameterCatalog.parameter(for: code)?.code ?? code, unit: unit)
                    .map { "\(station.mn) units.\(code): \($0)" }
            }
        }
    }
}

/// A way a frame disagrees with its station's registration.
public enum StationMismatch: Sendable, Hashable, CustomStringConvertible {
    /// `PW` is not the registered password (answer with `QnRtn=3`).
    case password
    /// The frame's edition is not the registered one.
    case edition(expected: HJ212.Edition, found: HJ212.Edition)

    public var description: String {
        switch self {
        case .password: "PW does not match the registered password"
        case .edition(let expected, let found): "edition \(found) where \(expected) is registered"
        }
    }
}
