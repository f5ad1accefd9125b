import Mustache

// Template lookups on the models every page renders, answered directly: `Mirror` reflects every property on every
// lookup, and a page makes hundreds of lookups (each `{{t.…}}` walks up to the page model). Measured: rendering the
// queue page went from about 4 ms to about 1 ms.

extension Frame: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "lang": lang
        case "title": title
        case "t": t
        case "signedIn": signedIn
        case "userName": userName
        case "csrf": csrf
        case "isStaff": isStaff
        case "nav": nav
        case "flash": flash
        case "searchQuery": searchQuery
        case "live": live
        case "chatKey": chatKey
        default: nil
        }
    }
}

extension Frame.NavItem: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "href": href
        case "count": count
        case "current": current
        case "id": id
        default: nil
        }
    }
}

extension QueuePages.QueuePage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "frame": frame
        case "t": t
        case "heading": heading
        case "path": path
        case "rows": rows
        case "hasRows": hasRows
        case "statuses": statuses
        case "priorities": priorities
        case "organizations": organizations
        case "categories": categories
        case "tiers": tiers
        case "groups": groups
        case "assignees": assignees
        case "sorts": sorts
        case "previous": previous
        case "next": next
        case "hasPager": hasPager
        case "compact": compact
        case "densityLink": densityLink
        case "tools": tools
        default: nil
        }
    }
}

extension QueuePages.RequestsPage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "frame": frame
        case "t": t
        case "heading": heading
        case "filters": filters
        case "rows": rows
        case "hasRows": hasRows
        case "empty": empty
        case "previous": previous
        case "next": next
        case "hasPager": hasPager
        default: nil
        }
    }
}

extension QueuePages.RequestsPage.Filters: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "statuses": statuses
        case "priorities": priorities
        case "requesters": requesters
        default: nil
        }
    }
}

extension SLAReportPages.ReportPage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "frame": frame
        case "t": t
        case "organizations": organizations
        case "hasOrganizations": hasOrganizations
        case "from": from
        case "to": to
        case "error": error
        case "summary": summary
        case "lines": lines
        case "hasLines": hasLines
        case "csv": csv
        default: nil
        }
    }
}

extension SLAReportPages.Line: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "priority": priority
        case "priorityValue": priorityValue
        case "metric": metric
        case "met": met
        case "breached": breached
        case "running": running
        case "compliance": compliance
        default: nil
        }
    }
}

extension SupervisorPage.Model: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "frame": frame
        case "t": t
        case "total": total
        case "tiers": tiers
        case "groups": groups
        case "agents": agents
        case "breached": breached
        case "atRisk": atRisk
        default: nil
        }
    }
}

extension SupervisorPage.CountRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "detail": detail
        case "count": count
        case "href": href
        default: nil
        }
    }
}

extension SupervisorPage.WatchList: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "rows": rows
        case "more": more
        default: nil
        }
    }
}

extension SupervisorPage.WatchRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "seq": seq
        case "number": number
        case "subject": subject
        case "priority": priority
        case "priorityValue": priorityValue
        case "organization": organization
        case "assignee": assignee
        case "paused": paused
        case "clocks": clocks
        default: nil
        }
    }
}

extension SupervisorPage.ClockLine: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "status": status
        case "statusKey": statusKey
        case "due": due
        case "dueISO": dueISO
        case "delay": delay
        default: nil
        }
    }
}

extension TicketHeader: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "seq": seq
        case "number": number
        case "subject": subject
        case "descriptionHTML": descriptionHTML
        case "status": status
        case "statusKey": statusKey
        case "priority": priority
        case "priorityValue": priorityValue
        case "impact": impact
        case "urgency": urgency
        case "tier": tier
        case "group": group
        case "assignee": assignee
        case "requester": requester
        case "organization": organization
        case "category": category
        case "channel": channel
        case "occurred": occurred
        case "occurredISO": occurredISO
        case "created": created
        case "createdISO": createdISO
        case "timeSpent": timeSpent
        case "outOfScope": outOfScope
        case "version": version
        case "sla": sla
        case "alert": alert
        case "machines": machines
        case "hasMachines": hasMachines
        case "machineChoices": machineChoices
        case "hasMachineChoices": hasMachineChoices
        case "agentMachines": agentMachines
        case "remoteActions": remoteActions
        case "canRunRemote": canRunRemote
        case "consents": consents
        case "hasConsents": hasConsents
        default: nil
        }
    }
}

extension TicketPages.Draft: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "reply": reply
        case "note": note
        case "reason": reason
        case "fields": fields
        default: nil
        }
    }
}

extension TicketPages.StaffPage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "frame": frame
        case "t": t
        case "ticket": ticket
        case "entries": entries
        case "conflict": conflict
        case "error": error
        case "draft": draft
        case "statusOptions": statusOptions
        case "impactOptions": impactOptions
        case "urgencyOptions": urgencyOptions
        case "categoryOptions": categoryOptions
        case "assigneeOptions": assigneeOptions
        case "otherAssigneeOptions": otherAssigneeOptions
        case "hasOtherAssignees": !otherAssigneeOptions.isEmpty
        case "tierGroupOptions": tierGroupOptions
        case "drawn": drawn
        case "drawnAssignee": drawnAssignee
        case "drawnTier": drawnTier
        case "escalateTiers": escalateTiers
        case "groupOptions": groupOptions
        case "canEscalate": canEscalate
        case "paging": paging
        case "relations": relations
        case "tools": tools
        default: nil
        }
    }
}

extension TicketPages.RequesterPage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "frame": frame
        case "t": t
        case "ticket": ticket
        case "entries": entries
        case "conflict": conflict
        case "error": error
        case "draft": draft
        case "resolved": resolved
        case "closed": closed
        case "mergedInto": mergedInto
        default: nil
        }
    }
}

extension TimelineEntry.File: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "filename": filename
        case "size": size
        default: nil
        }
    }
}

extension SLAView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "clocks": clocks
        case "paused": paused
        default: nil
        }
    }
}
