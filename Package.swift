// swift-tools-version: 6.1
import PackageDescription

// Layers point one way: Core <- API <- Store <- Desk <- Channels <- Web <- executables.
// `swift build --target EscaleCore` must never compile Hummingbird or Fluent.
let package = Package(
    name: "escale",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "escale", targets: ["escale"]),
        .executable(name: "escale-bench", targets: ["escale-bench"]),
        .executable(name: "escale-agent", targets: ["escale-agent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/JohnSundell/Ink.git", from: "0.6.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.30.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
    ],
    targets: [
        .target(name: "EscaleCore"),
        .target(name: "EscaleAPI", dependencies: ["EscaleCore", "EscaleInventory", "EscaleAgentWire"]),
        // Protocols, each knowing nothing of the desk: tested (and fuzzed) alone.
        // RFC 5322/MIME: parsing what arrives, composing what leaves. Foundation only.
        .target(name: "EscaleMIME"),
        // SMTP submission and IMAP fetching on SwiftNIO.
        .target(name: "EscaleSMTP", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        // Monitoring alerts (Alertmanager's webhook, Events v2) and the PBX's CTI events: Foundation only.
        .target(name: "EscaleAlerts"),
        .target(name: "EscaleCTI"),
        // Inventory agents' protocols (OCS/FusionInventory XML, GLPI native JSON): bodies decompressed under a cap,
        // XML read without DTDs, both dialects normalised into one `MachineInventory`.
        .target(name: "EscaleInventory", dependencies: [
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The escale-agent's wire: messages, signed commands (Ed25519, nonce, expiry) and the agent's own inventory as
        // GLPI JSON. The agent depends on it alone.
        .target(name: "EscaleAgentWire", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "EscaleIMAP", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .target(
            name: "EscaleStore",
            dependencies: [
                "EscaleCore",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "EscaleDesk",
            dependencies: [
                "EscaleCore", "EscaleAPI", "EscaleStore", "EscaleMIME", "EscaleAlerts", "EscaleCTI", "EscaleInventory", "EscaleAgentWire",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Resources/mail")]
        ),
        // Channels and integrations reaching the outside world (webhooks and chat hooks now; mail, chat, phone later).
        .target(
            name: "EscaleChannels",
            dependencies: [
                "EscaleCore", "EscaleDesk", "EscaleMIME", "EscaleSMTP", "EscaleIMAP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .target(
            name: "EscaleWeb",
            dependencies: [
                "EscaleCore", "EscaleAPI", "EscaleStore", "EscaleDesk", "EscaleChannels", "EscaleAlerts", "EscaleCTI", "EscaleInventory", "EscaleAgentWire",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Ink", package: "Ink"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ],
            resources: [.copy("Resources/openapi.json"), .copy("Resources/templates"), .copy("Resources/locales"), .copy("Resources/static")]
        ),
        .executableTarget(
            name: "escale",
            dependencies: [
                "EscaleWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // The agent installed on managed machines: the wire and an HTTP client, nothing of the desk.
        .executableTarget(
            name: "escale-agent",
            dependencies: [
                "EscaleAgentWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "escale-bench",
            dependencies: [
                "EscaleWeb", "EscaleInventory",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ]
        ),
        .testTarget(
            name: "EscaleCoreTests",
            dependencies: ["EscaleCore", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "EscaleMIMETests",
            dependencies: ["EscaleMIME", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        // The SMTP and IMAP clients against real servers (aiosmtpd, Dovecot), with one set of process helpers.
        .testTarget(name: "EscaleMailClientTests", dependencies: ["EscaleSMTP", "EscaleIMAP"]),
        // The alert and CTI wire formats against the real captures, alone.
        .testTarget(name: "EscaleIntegrationWireTests", dependencies: ["EscaleAlerts", "EscaleCTI"]),
        // The inventory protocols against the real agents' captures, alone (and fuzzed).
        .testTarget(name: "EscaleInventoryTests", dependencies: ["EscaleInventory"]),
        // The agent's wire alone: signatures, refusals, and its inventory read back by the server's parser.
        .testTarget(name: "EscaleAgentWireTests", dependencies: ["EscaleAgentWire", "EscaleInventory"]),
        .testTarget(
            name: "EscaleWebTests",
            dependencies: [
                "EscaleWeb", "EscaleInventory", "EscaleAgentWire",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
