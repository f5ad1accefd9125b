import EscaleCore
import Testing

@Suite struct PagingReasonTests {
    @Test func whatIsWrittenReadsBack() {
        let reasons: [PagingReason] = [
            .step(policy: "Astreinte N2", step: 1, steps: 3, pass: 1, passes: 2, nobodyOnCall: false),
            .step(policy: "Night: infra, step 2", step: 2, steps: 2, pass: 3, passes: 3, nobodyOnCall: true),
            .exhausted(policy: "Astreinte N2"),
        ]
        for r in reasons { #expect(PagingReason(parsing: r.description) == r) }
        #expect(PagingReason.step(policy: "P", step: 1, steps: 3, pass: 1, passes: 2, nobodyOnCall: false).description == "P: step 1 of 3, pass 1 of 2")
    }

    @Test func otherTextIsNotAReason() {
        #expect(PagingReason(parsing: "a P1 ticket was created") == nil)
        #expect(PagingReason(parsing: "P: step one of 3, pass 1 of 2") == nil)
    }
}
