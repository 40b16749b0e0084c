public import HuiliuCore

extension Simulator {
    /// The procuratorate's exchange table (前置库): the cases its API serves, as the rows an
    /// agency writes into a shared database, each with the update time (`gxsj`) a reader
    /// syncs by. Some rows were updated after they were filed, so update order is not filing order.
    public func procuratorateExchangeRows() -> [Object] {
        (0..<dataset.configuration.procuratorateCases).map { i in
            var row = dataset.procuratorateCase(i).objectValue ?? Object()
            let updated = Dataset.epoch + i * 86_400 * 2 + (i % 5 == 0 ? 86_400 * 30 : 3600)
            row["gxsj"] = .string(Dataset.localTime(updated))
            return row
        }
    }
}
