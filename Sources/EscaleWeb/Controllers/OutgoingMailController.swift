import EscaleAPI
import EscaleCore
import EscaleDesk
import Hummingbird

/// Outgoing mail: the outbox (administrators), each person's notification choices, the installation's defaults.
struct OutgoingMailController {
    let desk: Desk
    let runner: CommandRunner

    func register(on api: RouterGroup<EscaleContext>) {
        api.get("mail/outbox") { request, context in
            let items = try await desk.mailOutbox(status: try Query(request).choice("status", Desk.mailStatuses), by: try context.requireActor())
            return try JSONBody.response(Page(items: items))
        }
        api.post("mail/outbox/:id/retry") { request, context in
            let id = try context.uuid("id", "message")
            return try await runner.run(request, context: context, bodyFingerprint: "retry") { db, actor in
                try CommandRunner.output(try await desk.retryMail(id, by: actor, on: db), status: .ok)
            }
        }
        api.get("me/notifications") { _, context in
            try JSONBody.response(try await desk.myNotifications(by: try context.requireActor()))
        }
        api.put("me/notifications") { request, context in
            let actor = try context.requireActor()
            let input = try await JSONBody.decode(NotificationSettingsDTO.self, from: request).value
            return try JSONBody.response(try await desk.store.write { db in try await desk.setMyNotifications(input, by: actor, on: db) })
        }
        api.get("settings/notifications") { _, context in
            try JSONBody.response(try await desk.notificationSettings(by: try context.requireActor()))
        }
        api.put("settings/notifications") { request, context in
            let actor = try context.requireActor()
            try AccessPolicy.require(actor, .manageDirectory)
            let input = try await JSONBody.decode(NotificationSettingsDTO.self, from: request).value
            return try JSONBody.response(try await desk.store.write { db in try await desk.setNotificationSettings(input, by: actor, on: db) })
        }
    }
}
