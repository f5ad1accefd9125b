import ArgumentParser
import EscaleAgentWire
import Foundation

/// The escale-agent: installed on a managed machine, enrolled once with an organization's token, then run as a
/// service (deploy/escale-agent.service). It connects out only.
@main
struct EscaleAgent: AsyncParsableCommand {
    static let version = "1.0.0"
    static let configuration = CommandConfiguration(
        commandName: "escale-agent",
        abstract: "Reports this machine to an Escale desk, runs its checks and the remote actions it signs.",
        version: version,
        subcommands: [Enroll.self, Run.self, Inventory.self, Checks.self]
    )
}

struct StateOption: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: "Where the agent keeps its enrollment (default: $ESCALE_AGENT_STATE_DIR or /var/lib/escale-agent).")
    var stateDir: String?

    var directory: URL {
        URL(fileURLWithPath: stateDir ?? ProcessInfo.processInfo.environment["ESCALE_AGENT_STATE_DIR"] ?? "/var/lib/escale-agent")
    }
}

struct Enroll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Enrolls this machine with a desk, then sends its first inventory.")
    @Option(help: "The desk's address, e.g. https://support.example.org") var server: String
    @Option(help: "An enrollment token of the organization (enr_…).") var token: String
    @OptionGroup var state: StateOption

    func run() async throws {
        let client = AgentHTTP(server: server, credential: nil)
        defer { client.shutdown() }
        let machine = Collector.collect(agentVersion: EscaleAgent.version)
        let response: EnrollResponse = try await client.post(AgentWire.enrollPath, json: EnrollRequest(
            token: token, hostname: machine.hostname, agentVersion: EscaleAgent.version, os: machine.osFullName))
        let saved = AgentState(server: server, agentId: response.agentId, credential: response.credential,
                               organizationId: response.organizationId, serverKey: response.serverKey,
                               heartbeatSeconds: response.heartbeatSeconds, inventorySeconds: response.inventorySeconds)
        try saved.save(in: state.directory)
        let authed = AgentHTTP(server: server, credential: response.credential)
        defer { authed.shutdown() }
        let receipt: InventoryReceipt = try await authed.postInventory(machine, deviceId: saved.deviceId)
        print("enrolled as agent \(response.agentId.uuidString.lowercased()); machine \(receipt.assetId.uuidString.lowercased()) (\(receipt.outcome))")
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Runs the agent: heartbeats, checks, inventories and remote actions, until stopped.")
    @OptionGroup var state: StateOption
    @Option(help: "Seconds between heartbeats (default: what the desk says).") var heartbeat: Int?

    func run() async throws {
        let saved = try AgentState.load(from: state.directory)
        let service = try AgentService(state: saved, directory: state.directory, heartbeatOverride: heartbeat)
        try await service.run()
    }
}

struct Inventory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Prints this machine's inventory as the agent sends it (GLPI JSON).")
    func run() async throws {
        let machine = Collector.collect(agentVersion: EscaleAgent.version)
        FileHandle.standardOutput.write(try machine.glpiJSON(deviceId: "escale-agent-local"))
        print()
    }
}

struct Checks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Runs the desk's checks once and prints their verdicts.")
    @OptionGroup var state: StateOption
    func run() async throws {
        let saved = try AgentState.load(from: state.directory)
        let client = AgentHTTP(server: saved.server, credential: saved.credential)
        defer { client.shutdown() }
        let reply: HeartbeatReply = try await client.post(AgentWire.heartbeatPath, json: Heartbeat(agentVersion: EscaleAgent.version))
        for spec in reply.checks {
            let r = await CheckRunner.run(spec, http: client.client)
            print("\(r.status.rawValue.uppercased())\t\(spec.name)\t\(r.message)")
        }
    }
}
