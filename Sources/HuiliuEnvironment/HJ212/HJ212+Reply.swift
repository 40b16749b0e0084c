extension HJ212 {
    /// `QnRtn`, the answer to a request (table 7).
    public struct RequestResult: RawRepresentable, Hashable, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// 1 准备执行请求: ready to execute.
        public static let ready = RequestResult(rawValue: 1)
        /// 2 请求被拒绝: refused.
        public static let refused = RequestResult(rawValue: 2)
        /// 3 PW 错误: wrong password.
        public static let wrongPassword = RequestResult(rawValue: 3)
        /// 4 MN 错误: wrong device id.
        public static let wrongMN = RequestResult(rawValue: 4)
        /// 5 ST 错误: wrong system code.
        public static let wrongST = RequestResult(rawValue: 5)
        /// 6 Flag 错误.
        public static let wrongFlag = RequestResult(rawValue: 6)
        /// 7 QN 错误.
        public static let wrongQN = RequestResult(rawValue: 7)
        /// 8 CN 错误.
        public static let wrongCN = RequestResult(rawValue: 8)
        /// 9 CRC 校验错误.
        public static let crcError = RequestResult(rawValue: 9)
        /// 100 未知错误: unknown error.
        public static let unknownError = RequestResult(rawValue: 100)
    }

    /// `ExeRtn`, the result of executing a request (table 6).
    public struct ExecutionResult: RawRepresentable, Hashable, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// 1 执行成功: success.
        public static let success = ExecutionResult(rawValue: 1)
        /// 2 执行失败，但不知道原因: failed for an unknown reason.
        public static let failed = ExecutionResult(rawValue: 2)
        /// 3 命令请求条件错误: bad request conditions.
        public static let badConditions = ExecutionResult(rawValue: 3)
        /// 4 通讯超时: timeout.
        public static let timeout = ExecutionResult(rawValue: 4)
        /// 5 系统繁忙不能执行: busy.
        public static let busy = ExecutionResult(rawValue: 5)
        /// 6 系统故障: system fault.
        public static let systemFault = ExecutionResult(rawValue: 6)
        /// 100 没有数据: no data.
        public static let noData = ExecutionResult(rawValue: 100)
    }

    /// The interaction frames (ST=91) that answer a received frame.
    public enum Reply: Sendable, Hashable {
        /// 9011, request answer with `QnRtn`.
        case requestAnswer(RequestResult)
        /// 9012, execution result with `ExeRtn`.
        case executionResult(ExecutionResult)
        /// 9013, notice answer.
        case noticeAnswer
        /// 9014, data answer: acknowledges an upload whose `Flag` has bit A set.
        case dataAnswer

        /// The command code.
        public var cn: String {
            switch self {
            case .requestAnswer: "9011"
            case .executionResult: "9012"
            case .noticeAnswer: "9013"
            case .dataAnswer: "9014"
            }
        }

        /// The reply frame for `frame`: its `QN`, `PW` and `MN`, `ST=91`, and a `Flag` with the
        /// frame's version bits and neither D nor A (4 for 2017, 8 for 2025). A 2005 frame gets
        /// `Flag=0`, or no `Flag` if it sent none, and no `QN` if it sent none.
        public func frame(answering frame: Frame) -> [UInt8] {
            // Appended piece by piece, without interpolated strings: the listener answers
            // every upload with one of these.
            var segment = [UInt8]()
            segment.reserveCapacity(96 + frame.pw.utf8.count + frame.mn.utf8.count)
            if let qn = frame.qn {
                segment.append(contentsOf: "QN=".utf8)
                segment.append(contentsOf: qn.utf8)
                segment.append(Byte.semicolon)
            }
            segment.append(contentsOf: "ST=91;CN=".utf8)
            segment.append(contentsOf: cn.utf8)
            segment.append(contentsOf: ";PW=".utf8)
            segment.append(contentsOf: frame.pw.utf8)
            segment.append(contentsOf: ";MN=".utf8)
            segment.append(contentsOf: frame.mn.utf8)
            segment.append(Byte.semicolon)
            if frame.flag != nil || frame.edition != .hj2005 {
                segment.append(contentsOf: "Flag=".utf8)
                Timestamp.append(frame.edition.versionBits << 2, width: 1, to: &segment)
                segment.append(Byte.semicolon)
            }
            switch self {
            case .requestAnswer(let result): segment.append(contentsOf: "CP=&&QnRtn=\(result.rawValue)&&".utf8)
            case .executionResult(let result): segment.append(contentsOf: "CP=&&ExeRtn=\(result.rawValue)&&".utf8)
            case .noticeAnswer, .dataAnswer: segment.append(contentsOf: "CP=&&&&".utf8)
            }
            return HJ212.encodeFrame(segment: segment)
        }
    }
}
