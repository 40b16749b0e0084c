extension CurlLoop {
    /// Runs `plan` to completion, collecting the body; cancelling the task aborts the transfer.
    func perform(_ plan: TransferPlan) async -> Result<HTTPResponse, TransportError> {
        let transfer = Transfer(plan: plan, loop: self)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transfer.responseContinuation = continuation
                submit(.add(transfer))
            }
        } onCancel: {
            transfer.cancel()
        }
    }

    /// Starts `plan` and returns once the final head is known; the body follows as a stream,
    /// which keeps `owner` (the client whose release would stop this loop) alive until it is dropped.
    func openStream(_ plan: TransferPlan, owner: any AnyObject & Sendable) async throws(TransportError) -> (HTTPResponseHead, ResponseBody) {
        let transfer = Transfer(plan: plan, loop: self)
        let buffer = BodyBuffer(url: plan.url, resume: { transfer.resume() }, cancel: { transfer.cancel() })
        transfer.bodyBuffer = buffer
        let head = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transfer.headContinuation = continuation
                submit(.add(transfer))
            }
        } onCancel: {
            transfer.cancel()
        }
        return (try head.get(), ResponseBody(buffer: buffer, owner: owner))
    }
}
