import Metrics
import Prometheus

/// Process-wide metrics: swift-metrics backed by a Prometheus registry, bootstrapped once per process
/// (the test suite builds many applications in one process).
enum Telemetry {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    static let ticketsCreated: Metrics.Counter = {
        _ = registry  // the factory must be in place before a metric is made
        return Counter(label: "escale_tickets_created_total")
    }()

    /// Scheduler jobs this instance ran (claimed and handled, whatever the outcome).
    static let jobsRun: Metrics.Counter = {
        _ = registry
        return Counter(label: "escale_jobs_run_total")
    }()
}
