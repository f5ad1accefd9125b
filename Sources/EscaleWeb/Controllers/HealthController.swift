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
            let up = await desk.store.ping()
            return try JSONBody.response(["status": up ? "ready" : "database unreachable"], status: up ? .ok : .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: Telemetry.registry.emitToBuffer())))
        }
    }
}
