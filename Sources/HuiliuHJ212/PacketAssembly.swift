public import HuiliuEnvironment

/// Joins the packets of a split upload (`Flag` bit D, `PNUM`/`PNO`) back into whole frames
/// before normalization.
///
/// A device splits a long data area wherever it runs out of room, so a packet may carry no
/// `DataTime` (it continues the previous packet's period) or only some of a code's values
/// (`w01018-Min` in one packet, `-Avg`/`-Max` in the next). Packets are taken in `PNO` order;
/// consecutive packets of one period become one frame, with each code's values merged.
/// A history upload whose packets cover several periods gives one frame per period.
public enum PacketAssembly {
    /// The frames the packets make, in order; empty when there are no packets.
    public static func merge(_ packets: [HJ212.Frame]) -> [HJ212.Frame] {
        var merged: [HJ212.Frame] = []
        for packet in packets.sorted(by: { ($0.pno ?? 0) < ($1.pno ?? 0) }) {
            if var last = merged.last, packet.dataTime == nil || packet.dataTime == last.dataTime {
                absorb(packet, into: &last)
                merged[merged.count - 1] = last
            } else {
                var frame = packet
                frame.pnum = nil
                frame.pno = nil
                if frame.dataTime == nil { frame.dataTime = merged.last?.dataTime }
                merged.append(frame)
            }
        }
        return merged
    }

    private static func absorb(_ packet: HJ212.Frame, into frame: inout HJ212.Frame) {
        for measurement in packet.measurements {
            if let index = frame.measurements.firstIndex(where: { $0.code == measurement.code }) {
                frame.measurements[index].fill(from: measurement)
            } else {
                frame.measurements.append(measurement)
            }
        }
        frame.equipment.append(contentsOf: packet.equipment)
        frame.fields.append(contentsOf: packet.fields)
        frame.deviations.formUnion(packet.deviations)
        frame.dataLength += packet.dataLength
    }
}

extension HJ212.Measurement {
    /// Takes the values this measurement lacks from `other`.
    mutating func fill(from other: HJ212.Measurement) {
        rtd = rtd ?? other.rtd
        min = min ?? other.min
        avg = avg ?? other.avg
        max = max ?? other.max
        zsRtd = zsRtd ?? other.zsRtd
        zsMin = zsMin ?? other.zsMin
        zsAvg = zsAvg ?? other.zsAvg
        zsMax = zsMax ?? other.zsMax
        cou = cou ?? other.cou
        flag = flag ?? other.flag
        eflag = eflag ?? other.eflag
        sampleTime = sampleTime ?? other.sampleTime
        info = info ?? other.info
        otherFields.append(contentsOf: other.otherFields)
        unreadable.append(contentsOf: other.unreadable)
    }
}
