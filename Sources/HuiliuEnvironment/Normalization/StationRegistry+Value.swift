public import HuiliuCore

/// Why a station registry could not be read, and where.
public struct StationRegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the configuration: `stations[2].edition`.
    public var path: String
    /// What is wrong.
    public var message: String

    public var description: String { "\(path): \(message)" }
}

extension StationRegistry {
    /// The keys a station entry may have.
    static let stationKeys = ["mn", "name", "agency", "region", "edition", "password", "units", "water_body"]

    /// Reads a registry from parsed configuration: an object with a `stations` array, or the
    /// array itself. Each entry needs `mn`; unknown keys are errors, so typos do not pass silently.
    public init(_ value: Value) throws(StationRegistryError) {
        let entries: [Value]
        let prefix: String
        switch value {
        case .array(let array):
            entries = array
            prefix = ""
        case .object(let object):
            for key in object.keys where key != "stations" {
                throw StationRegistryError(path: key, message: "unknown key; the registry has only 'stations'")
            }
            guard let list = object["stations"] else {
                throw StationRegistryError(path: "stations", message: "is required")
            }
            guard case .array(let array) = list else {
                throw StationRegistryError(path: "stations", message: "must be an array, not \(list.typeName)")
            }
            entries = array
            prefix = "stations"
        default:
            throw StationRegistryError(path: "", message: "must be an object or an array, not \(value.typeName)")
        }
        var stations: [Station] = []
        var seen: Set<String> = []
        for (index, entry) in entries.enumerated() {
            let station = try Station(entry, path: "\(prefix)[\(index)]")
            guard seen.insert(station.mn).inserted else {
                throw StationRegistryError(path: "\(prefix)[\(index)].mn", message: "duplicate station '\(station.mn)'")
            }
            stations.append(station)
        }
        self.init(stations: stations)
    }
}

extension StationRegistry.Station {
    init(_ value: Value, path: String) throws(StationRegistryError) {
        guard case .object(let object) = value else {
            throw StationRegistryError(path: path, message: "must be an object, not \(value.typeName)")
        }
        for key in object.keys where !StationRegistry.stationKeys.contains(key) {
            throw StationRegistryError(path: "\(path).\(key)",
                                       message: "unknown key; expected one of \(StationRegistry.stationKeys.joined(separator: ", "))")
        }
        func string(_ key: String) throws(StationRegistryError) -> String? {
            guard let member = object[key], !member.isNull else { return nil }
            switch member {
            case .string(let s): return s
            // Codes such as regions and passwords are often written unquoted in YAML.
            case .integer(let n): return String(n)
            default: throw StationRegistryError(path: "\(path).\(key)", message: "must be a string, not \(member.typeName)")
            }
        }
        guard let mn = try string("mn"), !mn.isEmpty else {
            throw StationRegistryError(path: "\(path).mn", message: "is required")
        }
        self.init(mn: mn, name: try string("name"), agency: try string("agency"), region: try string("region"),
                  password: try string("password"))
        if let edition = try string("edition") {
            guard let parsed = HJ212.Edition(rawValue: edition) else {
                throw StationRegistryError(path: "\(path).edition", message: "must be \"2005\", \"2017\" or \"2025\", not \"\(edition)\"")
            }
            self.edition = parsed
        }
        if let body = try string("water_body") {
            guard let parsed = WaterBody(rawValue: body), parsed != .unknown else {
                throw StationRegistryError(path: "\(path).water_body", message: "must be \"river\" or \"lake_reservoir\", not \"\(body)\"")
            }
            waterBody = parsed
        }
        if let units = object["units"], !units.isNull {
            guard case .object(let map) = units else {
                throw StationRegistryError(path: "\(path).units", message: "must be an object of code: unit, not \(units.typeName)")
            }
            for (code, unit) in map {
                guard case .string(let text) = unit else {
                    throw StationRegistryError(path: "\(path).units.\(code)", message: "must be a string, not \(unit.typeName)")
                }
                unitOverrides[code] = text
            }
        }
    }
}

extension StationRegistry.Station {
    /// The entry as a registry file writes it, which ``StationRegistry/init(_:)`` reads back
    /// to an equal station. Unset keys are left out, and so is the password unless asked for:
    /// the HJ 212 buffer keeps the stations its frames were normalized against, and a
    /// password has no place there.
    public func value(includingPassword: Bool = false) -> Value {
        var object = Object(minimumCapacity: 8)
        object.appendUnchecked(key: "mn", value: .string(mn))
        if let name { object.appendUnchecked(key: "name", value: .string(name)) }
        if let agency { object.appendUnchecked(key: "agency", value: .string(agency)) }
        if let region { object.appendUnchecked(key: "region", value: .string(region)) }
        if let edition { object.appendUnchecked(key: "edition", value: .string(edition.rawValue)) }
        if includingPassword, let password { object.appendUnchecked(key: "password", value: .string(password)) }
        if !unitOverrides.isEmpty {
            // Sorted, so one configuration always gives the same text.
            object.appendUnchecked(key: "units", value: .object(Object(unitOverrides.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        if let waterBody { object.appendUnchecked(key: "water_body", value: .string(waterBody.rawValue)) }
        return .object(object)
    }
}
