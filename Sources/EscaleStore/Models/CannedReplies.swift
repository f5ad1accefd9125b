import FluentKit
import Foundation

/// A canned reply (`M018_CreateCannedReplies`): personal to `owner_id`, or shared with all staff.
public final class CannedReplyModel: Model, @unchecked Sendable {
    public static let schema = "canned_replies"
    @ID(key: .id) public var id: UUID?
    @Field(key: "owner_id") public var ownerId: UUID
    @Field(key: "shared") public var shared: Bool
    @Field(key: "title") public var title: String
    @Field(key: "body_fr") public var bodyFr: String
    @Field(key: "body_en") public var bodyEn: String
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}
}

/// A macro (`M018_CreateCannedRepliesAndMacros`); `actions` is the JSON of its `MacroActions`.
public final class MacroModel: Model, @unchecked Sendable {
    public static let schema = "macros"
    @ID(key: .id) public var id: UUID?
    @Field(key: "owner_id") public var ownerId: UUID
    @Field(key: "shared") public var shared: Bool
    @Field(key: "name") public var name: String
    @Field(key: "actions") public var actions: String
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date
    public init() {}
}
