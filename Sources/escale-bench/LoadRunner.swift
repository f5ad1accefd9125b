import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// Drives the server over HTTP with a fixed number of concurrent clients (one keep-alive connection each) and
/// measures each request's latency.
struct LoadRunner {
    let port: Int

    struct Result {
        var name: String
        var concurrency: Int
        var requests: Int
        var errors: Int
        var seconds: Double
        var latencies: [Double]  // milliseconds, sorted

        var throughput: Double { Double(requests) / seconds }
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            return latencies[min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)]
        }
    }

    typealias MakeRequest = @Sendable (_ worker: Int, _ i: Int) -> TestClient.Request

    /// `expect` nil: any 2xx is a success.
    func run(_ name: String, concurrency: Int, requests: Int, expect: HTTPResponse.Status?, _ make: @escaping MakeRequest) async throws -> Result {
        let perWorker = requests / concurrency
        let started = ContinuousClock.now
        let outcomes = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for w in 0..<concurrency {
                group.addTask {
                    let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60)))
                    client.connect()
                    defer { Task { try? await client.shutdown() } }
                    var latencies: [Double] = []
                    latencies.reserveCapacity(perWorker)
                    var errors = 0
                    for i in 0..<perWorker {
                        let request = make(w, i)
                        let t0 = ContinuousClock.now
                        let response = try await client.execute(request)
                        let elapsed = ContinuousClock.now - t0
                        latencies.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                        let ok = expect.map { response.status == $0 } ?? (200..<300).contains(response.status.code)
                        if !ok {
                            errors += 1
                            if errors == 1 { FileHandle.standardError.write(Data("\(name): \(response.status) \(response.body.map { String(buffer: $0) } ?? "")\n".utf8)) }
                        }
                    }
                    try? await client.shutdown()
                    return (latencies, errors)
                }
            }
            return try await group.reduce(into: [([Double], Int)]()) { $0.append($1) }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Result(name: name, concurrency: concurrency, requests: perWorker * concurrency, errors: outcomes.reduce(0) { $0 + $1.1 },
                      seconds: seconds, latencies: outcomes.flatMap(\.0).sorted())
    }
}
