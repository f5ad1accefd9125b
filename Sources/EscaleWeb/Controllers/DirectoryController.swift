import EscaleAPI
import EscaleCore
import EscaleDesk
import Hummingbird

/// Organizations and their contracts, support groups, users, categories and the priority matrix.
struct DirectoryController {
    let desk: Desk
    let runner: CommandRunner

    func register(on api: RouterGroup<EscaleContext>) {
        api.get("organizations") { _, context in
            try JSONBody.response(Page(items: try await desk.listOrganizations(by: try context.requireActor())))
        }
        api.post("organizations") { request, context in
            let input = try await JSONBody.decode(OrganizationInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                let org = try await desk.createOrganization(input.value, by: actor, on: db)
                return try CommandRunner.output(org, location: "/api/v1/organizations/\(org.id.uuidString)")
            }
        }
        api.get("organizations/:id") { _, context in
            try JSONBody.response(try await desk.organization(try context.uuid("id", "organization"), by: try context.requireActor()))
        }
        api.patch("organizations/:id") { request, context in
            let id = try context.uuid("id", "organization")
            let actor = try context.requireActor()
            let patch = try await JSONBody.mergePatch(try await desk.organization(id, by: actor).input, from: request)
            return try JSONBody.response(try await desk.store.write { db in try await desk.updateOrganization(id, patch.value, by: actor, on: db) })
        }
        api.get("contracts/:id") { _, context in
            try JSONBody.response(try await desk.contract(try context.uuid("id", "contract"), by: try context.requireActor()))
        }
        api.patch("contracts/:id") { request, context in
            let id = try context.uuid("id", "contract")
            let actor = try context.requireActor()
            let patch = try await JSONBody.mergePatch(try await desk.contract(id, by: actor).input, from: request)
            return try JSONBody.response(try await desk.updateContract(id, patch.value, by: actor))
        }
        api.get("organizations/:id/contracts") { _, context in
            let org = try context.uuid("id", "organization")
            return try JSONBody.response(Page(items: try await desk.listContracts(organizationId: org, by: try context.requireActor())))
        }
        api.post("organizations/:id/contracts") { request, context in
            let org = try context.uuid("id", "organization")
            let input = try await JSONBody.decode(ContractInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                try CommandRunner.output(try await desk.createContract(organizationId: org, input.value, by: actor, on: db))
            }
        }
        api.get("groups") { _, context in
            try JSONBody.response(Page(items: try await desk.listGroups(by: try context.requireActor())))
        }
        api.post("groups") { request, context in
            let input = try await JSONBody.decode(GroupInput.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                try CommandRunner.output(try await desk.createGroup(input.value, by: actor, on: db))
            }
        }
        api.get("groups/:id") { _, context in
            try JSONBody.response(try await desk.group(try context.uuid("id", "group"), by: try context.requireActor()))
        }
        api.patch("groups/:id") { request, context in
            let id = try context.uuid("id", "group")
            let actor = try context.requireActor()
            let patch = try await JSONBody.mergePatch(try await desk.group(id, by: actor).input, from: request)
            return try JSONBody.response(try await desk.store.write { db in try await desk.updateGroup(id, patch.value, by: actor, on: db) })
        }
        api.put("groups/:id/members") { request, context in
            let id = try context.uuid("id", "group")
            let actor = try context.requireActor()
            try AccessPolicy.require(actor, .manageUsers)
            let input = try await JSONBody.decode(GroupMembersDTO.self, from: request).value
            let ids = try await desk.store.write { db in try await desk.setGroupMembers(id, input.userIds, by: actor, on: db) }
            return try JSONBody.response(GroupMembersDTO(userIds: ids))
        }
        api.get("users") { request, context in
            let org = try Query(request).uuid("organization_id")
            return try JSONBody.response(Page(items: try await desk.listUsers(by: try context.requireActor(), organizationId: org)))
        }
        api.post("users") { request, context in
            let input = try await JSONBody.decode(UserInput.self, from: request)
            // Hash the password before the transaction: bcrypt is slow and must not hold the write lock.
            let actor = try context.requireActor()
            try AccessPolicy.require(actor, .manageUsers)
            let prepared = try await desk.prepareUser(input.value)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                try CommandRunner.output(try await desk.createUser(prepared, by: actor, on: db))
            }
        }
        api.get("categories") { _, context in
            _ = try context.requireActor()
            return try JSONBody.response(Page(items: try await desk.listCategories()))
        }
        api.post("categories") { request, context in
            let input = try await JSONBody.decode(CategoryDTO.self, from: request)
            return try await runner.run(request, context: context, bodyFingerprint: input.fingerprint) { db, actor in
                try CommandRunner.output(try await desk.createCategory(input.value, by: actor, on: db))
            }
        }
        api.patch("categories/:key") { request, context in
            let key = context.parameters.get("key") ?? ""
            let actor = try context.requireActor()
            try AccessPolicy.require(actor, .manageDirectory)
            guard let current = try await desk.listCategories().first(where: { $0.key == key }) else { throw DomainError.notFound("category") }
            let patch = try await JSONBody.mergePatch(current, from: request)
            return try JSONBody.response(try await desk.store.write { db in try await desk.updateCategory(key, patch.value, by: actor, on: db) })
        }
        api.get("settings") { _, context in
            try JSONBody.response(try await desk.deskSettings(by: try context.requireActor()))
        }
        api.put("settings") { request, context in
            let actor = try context.requireActor()
            try AccessPolicy.require(actor, .manageDirectory)
            let input = try await JSONBody.decode(DeskSettingsDTO.self, from: request).value
            return try JSONBody.response(try await desk.store.write { db in try await desk.setDeskSettings(input, by: actor, on: db) })
        }
        api.get("priority-matrix") { _, context in
            _ = try context.requireActor()
            return try JSONBody.response(try await desk.priorityMatrix())
        }
        api.put("priority-matrix") { request, context in
            let matrix = try await JSONBody.decode(PriorityMatrix.self, from: request).value
            return try JSONBody.response(try await desk.setPriorityMatrix(matrix, by: try context.requireActor()))
        }
    }
}
