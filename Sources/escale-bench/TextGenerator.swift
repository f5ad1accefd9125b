import Foundation

/// Deterministic pseudo-random numbers (SplitMix64), so that two runs seed the same data.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Realistic French and English IT-support text: subjects and descriptions built from what users actually write.
struct TextGenerator {
    static let frSubjects = [
        "Imprimante %@ en panne", "Impossible de me connecter au VPN", "Outlook plante au démarrage", "Écran noir sur mon poste",
        "Réseau très lent %@", "Mot de passe expiré, compte bloqué", "Le partage réseau n'est plus accessible", "Demande de nouveau PC portable",
        "Téléphone IP sans tonalité", "Accès refusé à l'application de paie", "Bourrage papier sur l'imprimante %@", "Wi-Fi instable %@",
        "Installation du logiciel de comptabilité", "Messagerie : pièces jointes bloquées", "Serveur de fichiers inaccessible", "Clavier défectueux",
        "Sauvegarde échouée cette nuit", "Écran qui clignote", "Lenteur de l'ERP", "Demande d'accès au dossier partagé %@",
    ]
    static let enSubjects = [
        "Printer %@ not working", "Cannot connect to the VPN", "Outlook crashes on startup", "Laptop battery drains quickly",
        "Network very slow %@", "Password expired, account locked", "Shared drive not reachable", "Request for a new laptop",
        "Desk phone has no dial tone", "Access denied to the payroll app", "Paper jam on printer %@", "Unstable Wi-Fi %@",
        "Install the accounting software", "Email attachments blocked", "File server down", "Broken keyboard",
        "Backup failed last night", "Monitor flickering", "ERP is slow", "Access request for shared folder %@",
    ]
    static let frPlaces = ["du 2e étage", "de l'accueil", "au siège", "de l'atelier", "en salle de réunion", "du service RH", "à l'entrepôt", "de la comptabilité"]
    static let enPlaces = ["on the 2nd floor", "at reception", "at headquarters", "in the workshop", "in the meeting room", "in HR", "at the warehouse", "in accounting"]
    static let frSentences = [
        "Depuis ce matin le problème se reproduit à chaque tentative.", "J'ai déjà redémarré le poste sans succès.",
        "Plusieurs collègues du service sont touchés.", "Le message d'erreur indique un délai d'attente dépassé.",
        "Cela m'empêche de travailler sur les commandes clients.", "Le voyant orange clignote en permanence.",
        "Le problème est apparu après la dernière mise à jour Windows.", "Merci de traiter rapidement, nous avons une échéance vendredi.",
        "Les imprimantes du réseau n'apparaissent plus dans la liste.", "La connexion se coupe toutes les dix minutes environ.",
        "Le certificat semble expiré d'après le navigateur.", "J'ai vérifié les câbles, tout est bien branché.",
    ]
    static let enSentences = [
        "Since this morning it happens every time I try.", "I already restarted the computer, no luck.",
        "Several colleagues in the team are affected.", "The error message says the operation timed out.",
        "This blocks me from processing customer orders.", "The orange light keeps blinking.",
        "It started after the latest Windows update.", "Please handle quickly, we have a deadline on Friday.",
        "Network printers no longer show up in the list.", "The connection drops roughly every ten minutes.",
        "The browser says the certificate has expired.", "I checked the cables, everything is plugged in.",
    ]
    /// Words a benchmark searches for (each matches a realistic share of tickets).
    static let searchWords = ["imprimante", "vpn", "outlook", "réseau", "battery", "password", "serveur", "wifi", "écran", "backup", "erp", "keyboard"]

    var rng: SplitMix

    mutating func ticketText() -> (subject: String, description: String) {
        let french = Int.random(in: 0..<10, using: &rng) < 6
        let subjects = french ? Self.frSubjects : Self.enSubjects
        let places = french ? Self.frPlaces : Self.enPlaces
        let sentences = french ? Self.frSentences : Self.enSentences
        let subject = subjects.randomElement(using: &rng)!.replacingOccurrences(of: "%@", with: places.randomElement(using: &rng)!)
        let count = Int.random(in: 2...4, using: &rng)
        let description = (0..<count).map { _ in sentences.randomElement(using: &rng)! }.joined(separator: " ")
        return (subject, description)
    }
}
