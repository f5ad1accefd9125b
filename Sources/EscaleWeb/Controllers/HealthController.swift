import EscaleDesk
import Hummingbird
import NIOCore

/// Liveness, readiness (the database answers) and Prometheus metrics.
struct HealthController {
    let desk: Desk

    func register(on router: Router<EscaleContext>) {
        router.get("healthz") { _, _ in
            try JSONBody.response(["status": "ok"])
        }
        router.get("readyz") { _, _ in
            guard await desk.store.ping() else {
                return try JSONBody.response(["status": "unavailable", "reason": "database unreachable"], status: .serviceUnavailable, headers: [.retryAfter: "10"])
            }
            if let problem = await desk.store.storageProblem() {
                return try JSONBody.response(["status": "unavailable", "reason": problem], status: .serviceUnavailable, headers: [.retryAfter: "30"])
            }
            return try JSONBody.response(["status": "ready"])
        }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: Telemetry.registry.emitToBuffer())))
        }
    }
}
