"""Wordings that speak to a model, not to a person: the patterns behind ``injection.py``.

They run on normalised text (lower case, no accents, look-alike letters mapped, one space
between words; ``injection.readings``). Administrative text is full of orders given to
people ("L'agent doit transmettre…", "Répondez au courrier sous 15 jours", "à partir de
maintenant, les demandes se font en ligne", "l'assistant de prévention"), so an order alone
is never enough: each family below also needs what only an address to a model carries:

- a model named as the one addressed ("Chatbot, …", "Note pour l'IA :", "Il est demandé
  à l'IA de…", "L'assistant doit répondre que…"), never a job title or a glossary entry;
- the familiar "tu", which documents do not use for their reader and prompts do, next to
  an order to say, hide or ignore something ("Dis à l'utilisateur que…", "Quand on te
  demande X, réponds Y", "tu ne cites jamais…", "Ta nouvelle mission :");
- a model's own vocabulary: its answer, passages, sources, prompt, context, memory, rules,
  modes ("dans ta réponse", "ce qui précède", "les autres documents", "mode développeur
  activé");
- a chat template tag or a system label with words for a model after it.

Orders in the polite "vous" with none of these are left alone: they are how a procedure
speaks to staff. The families were written on the "tune" half of
``tests/data/injection_fr.jsonl`` and measured once on the "heldout" half
(``boussole injection eval --split heldout``; figures in tests/test_injection.py).
"""

from __future__ import annotations

import re
from typing import Any

# -- building blocks ------------------------------------------------------------------------

# A model by any of its names, when the name alone cannot mean a person or a thing.
AI = (
    r"(?:ia|i\.a\.?|intelligences?\s+artificielles?|chat\s?gpt|gpt(?:-?\d[\w.]*)?"
    r"|copilot(?:e)?s?|chatbots?|bots?|llms?|(?:large\s+)?language\s+models?"
    r"|(?:ia|ai|llm|gpt)\s+(?:assistants?|agents?|models?|crawlers?|bots?|systems?|tools?|scrapers?"
    r"|readers?|summari[sz]ers?)|ais|ia\s+generatives?"
    r"|generateurs?\s+(?:de\s+reponses?|de\s+textes?|automatiques?)|assistants?\s+de\s+redaction"
    r"|assistants?\s+(?:ia|ai|d'ia|virtuels?|automatiques?|automatises?|conversationnels?"
    r"|numeriques?|intelligents?)"
    r"|agents?\s+(?:ia|ai|d'ia|conversationnels?|intelligents?|autonomes?)"
    r"|modeles?\s+(?:de\s+langage|de\s+langue|d'ia|d'intelligence\s+artificielle|linguistiques?"
    r"|generatifs?|ia)"
    r"|robots?\s+conversationnels?|systemes?\s+(?:automatises?|d'ia|d'intelligence\s+artificielle)"
    r"|(?:outils?|logiciels?|moteurs?|programmes?|systemes?|applications?|services?)\s+"
    r"(?:d'ia|d'intelligence\s+artificielle|de\s+synthese|de\s+reponses?|de\s+resume"
    r"|conversationnels?|generatifs?|de\s+questions?-reponses?|de\s+dialogue)"
    r"|(?:outils?|logiciels?|programmes?)\s+(?:automatiques|automatises)"
    r"|(?:outils?|moteurs?)\s+de\s+recherche|indexeurs?|crawlers?)"
)
# English "the AI" (French "ai" is a verb: "j'ai").
AI_EN = r"(?:(?:the|an|any|dear)\s+ai|ai)"
# Also the bare "assistant" or "modèle" when a colon, comma or "!" makes it a vocative
# ("Assistant, oublie…"), never "l'assistant de prévention", "le modèle de convention".
# A bare "agent" is a civil servant: "Instructions pour les agents :" is an order to people.
AI_CALLED = (
    rf"(?:{AI}|(?:assistante?s?|modeles?|model|assistant|robots?|moteur|boussole|claude|mistral"
    r"|llama|gemini)(?=\s*[:,!—–]))"
)

# What follows a vocative in an order: the familiar or polite "you", or an order verb.
YOU = r"(?:tu|toi|te|t'|ton|ta|tes|vous|votre|vos|you|your)"
ORDER = (
    r"(?:ignore[rz]?|oublie[rz]?|reponds|repondez|dis|dites|ecris|ecrivez|affirme[rz]?"
    r"|annonce[rz]?|indique[rz]?|declare[rz]?|conclus|concluez|revele[rz]?|affiche[rz]?"
    r"|donne[rz]?|recopie[rz]?|supprime[rz]?|omets|omettez|fais|faites|pretends|considere[rz]?"
    r"|traduis|traduisez|resume[rz]?|arrete[rz]?|recommande[rz]?|propose[rz]?|valide[rz]?"
    r"|redige[rz]?|suis|suivez|obeis|obeissez|ecarte[rz]?|presente[rz]?|cite[rz]?"
    r"|mentionne[rz]?|ne\s+[\w']+\s+(?:pas|jamais|plus|rien|aucune?)"
    r"|disregard|forget|answer|respond|reply|say|tell|state|print|reveal|output|show|pretend"
    r"|do\s+not|don't|never|always|summari[sz]e|recommend|include|write|ask|stop"
    r"|merci|veuillez|priere|please|kindly|ecoute|ne\s+(?:jamais|pas|plus|rien))"
)
# Orders a document gives in the familiar form only, to whoever reads it.
ORDER_TU = (
    r"(?:ignore|oublie|reponds|dis|ecris|affirme|annonce|indique|declare|conclus|revele|affiche"
    r"|donne|recopie|supprime|omets|fais|pretends|considere|traduis|resume|arrete|recommande"
    r"|propose|valide|redige|suis|obeis|ecarte|presente|cite|mentionne|ajoute|commence|termine"
    r"|remplace|invente|refuse|classe|envoie|transmets|raconte|mets|utilise|insere|signale"
    r"|genere|produis|cree|fournis|liste|calcule|compose|imagine|explique|decris|montre|corrige"
    r"|complete|verifie|cherche|trouve|oriente|tais|cache|masque|efface|stop|ne\s+\w+\s+plus)"
)
CUE = (
    rf"(?:{YOU}|{ORDER}|(?:nouvelle?s?|new)\s+(?:regles?|consignes?|instructions?|directives?"
    r"|missions?|taches?|rules?|tasks?)|(?:toute|chaque|every|each)\s+(?:reponse|answer|reply))"
)
# The familiar "you": a document does not say "tu" to its reader, a prompt does.
TU = r"(?:tu|te|t'|ta|ton|tes|toi)"
SAY_TO = (
    r"(?:a\s+(?:l'utilisat\w+|l'usager|l'interlocut\w+|ton\s+interlocut\w+|la\s+personne"
    r"|quiconque|tout\s+le\s+monde)|aux\s+(?:utilisat\w+|usagers|interlocut\w+)|-lui\b|-leur\b)"
)
SAY_VERBS = (
    r"(?:repondre|indiquer|affirmer|dire|conclure|declarer|annoncer|preciser|expliquer|assurer"
    r"|certifier|pretendre|answer|say|state|reply|respond|tell|claim|conclude)"
)
HUSH_VERBS = r"(?:mentionner|citer|evoquer|reveler|divulguer|parler|mention|cite|reveal|disclose)"
# A model in the third person ("L'assistant doit répondre que…"), never a job title.
AI_SUBJECT = (
    rf"(?:{AI}|chatbot|assistant(?!e?s?\s+(?:de|d'|du|des|rh|social|sociale|administrati\w*"
    r"|technique|maternel\w*|familial\w*|medical\w*|juridique|pedagogique|parlementaire)\b))"
)
MODE_WORDS = (
    "developpeur developer debug debogage administrateur admin maintenance root superutilisateur"
    " super-utilisateur dieu god dan jailbreak libre illimite non+censure"
)
MODE = "(?:" + "|".join(word.replace("+", r"\s+") for word in MODE_WORDS.split()) + ")"
RULES = (
    r"(?:instructions?|consignes?|regles?|directives?|ordres?|prompts?|contraintes?"
    r"|restrictions?)"
)
# What a glossary puts after "Chatbot :" ("un programme…", "outil qui…"): not a vocative.
DEFINED_NOT = (
    r"(?!\s*(?:un|une|outils?|systemes?|technologies?|programmes?|logiciels?|terme|ensemble"
    r"|procede|methode|voir|intelligence|abreviation|acronyme|sigle|designe|definition|technique"
    r"|applications?|services?|modeles?|grands?|branche|domaine|dispositif|algorithmes?)\b)"
)
# Where a clause starts: a vocative stands there ("… page. Chatbot : …").
START = r"(?:^|[.!?;:»\"\]\)(\[—–-]\s*)"
ANSWER_VERBS = (
    r"(?:reponds|ecris|dis|fais|ignore|oublie|affirme|refuse|agis|parle|traduis|considere"
    r"|always|never|answer|respond|reply|say)"
)

# -- the families ---------------------------------------------------------------------------

PATTERNS: dict[str, list[str]] = {
    # "Ignore les instructions précédentes", "oubliez vos consignes", "ne tiens pas compte
    # des règles qu'on t'a données": the rules are the model's (possessive, or "previous").
    "override": [
        r"\b(?:ignore[rz]?|oublie[rz]?|outrepasse[rz]?|contourne[rz]?"
        r"|ne\s+(?:tiens|tenez|tenir)\s+(?:plus\s+|pas\s+)*compte\s+d[eu]s?"
        r"|ne\s+(?:pas|plus)\s+tenir\s+compte\s+d[eu]s?"
        r"|fai(?:s|tes)\s+abstraction\s+d[eu]s?)\s+(?:(?:toutes?|tous)\s+)?(?:les\s+|ces\s+)?"
        rf"{RULES}\s+(?:precedentes?|ci-dessus|anterieures?|initiales?|d'origine|de\s+depart"
        r"|qui\s+precedent|systemes?|qu'on\s+(?:t'a|vous\s+a)|que\s+l'on\s+(?:t'a|vous\s+a)"
        r"|de\s+(?:ton|ta|tes)\s+\w+|(?:que|qu')\s*(?:tu\s|on\s+t'|l'on\s+t')|du\s+systeme\b(?!\s+d))",
        r"\b(?:ignore[rz]?|oublie[rz]?|outrepasse[rz]?|contourne[rz]?|(?:mets|laisse)\s+de\s+cote"
        r"|(?:set|put)\s+aside|ne\s+(?:tiens|tenez|tenir)\s+(?:plus\s+|pas\s+)*compte\s+d[eu]s?)\s+"
        rf"(?:(?:toutes?|tous)\s+)?(?:tes|vos|ton|votre)\s+(?:[\w-]+\s+)?{RULES}",
        r"\b(?:laisse\s+tomber|va\s+a\s+l'encontre\s+de|transgresse|enfreins|deroge\s+a|passe\s+outre"
        r"|abandonne|oublie|ignore|(?:arrete|cesse)\s+de\s+(?:suivre|respecter|appliquer)|stop\s+following"
        r"|stop\s+obeying)\s+(?:(?:toutes?|tous|all)\s+)?(?:a\s+)?(?:tes|ton|ta|your|the|les)\s+(?:[\w-]+\s+)?"
        r"(?:precautions|limites|principes|garde-fous|filtres|protections|scrupules|reserves|valeurs"
        r"|instructions|consignes|regles|directives|rules|guidelines|instructions|limits|filters"
        r"|safeguards|principles)\b",
        r"\b(?:oublie[rz]?|ignore[rz]?)\s+tout\s+ce\s+(?:qu'on|que\s+l'on|qui)\s+"
        r"(?:t'a|vous\s+a|precede|est\s+(?:ecrit\s+)?(?:ci-dessus|plus\s+haut|avant))",
        r"\b(?:ignore|oublie|ne\s+tiens\s+(?:pas|plus)\s+compte)\s+(?:du|le)\s+reste\s+"
        r"(?:du|de\s+la|de\s+ce|de\s+cette)\b",
        r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+)?(?:of\s+)?"
        r"(?:(?:the|your|these|my)\s+)?(?:(?:previous|prior|above|earlier|preceding|initial"
        r"|original|system|existing|former|other)\s+)?(?:instructions|directions|guidelines"
        r"|rules|prompts?|context|commands|directives|documents|passages|constraints)\b",
        r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:(?:the|your|these|my|its)\s+)?"
        r"(?:safety|security|content|usage|ethical|moral|default|standard|normal|usual|built-in)\s+"
        r"(?:instructions|guidelines|rules|policies|restrictions|filters|constraints)\b"
        r"|\b(?:ignore|disregard)\s+(?:the\s+)?(?:user'?s?|human'?s?)\s+(?:question|request|query"
        r"|message|input|prompt)\b|\boverride\s*:",
        r"\b(?:ignore|oublie|ne\s+tiens\s+pas\s+compte\s+de)\s+(?:la\s+question|la\s+demande"
        r"|le\s+message)\s+(?:de\s+l'utilisat\w+|posee|de\s+ton\s+interlocut\w+)",
        r"\b(?:ignore|oublie|ne\s+tiens\s+(?:pas|plus)\s+compte\s+d[eu]s?|ne\s+fais\s+pas\s+attention"
        r"\s+a(?:ux?)?|ne\s+(?:considere|crois|lis|utilise|cite)\s+(?:pas|plus|jamais)|ne\s+fais\s+"
        r"(?:pas|plus|jamais)\s+confiance\s+a(?:ux?)?|ne\s+te\s+fie\s+(?:pas|plus|jamais)\s+a(?:ux?)?"
        r")\s+(?:(?:toute|toutes|tout|tous)\s+)?(?:les\s+)?(?:autres\s+)?"
        rf"(?:{RULES}\s+(?:contraires?|divergente?s|opposee?s|existante?s)|autres\s+(?:documents"
        r"|passages|sources|extraits|paragraphes|resultats))\b",
        r"\b(?:ignore|disregard|forget)\s+(?:all\s+)?(?:of\s+)?(?:the\s+|everything\s+)?(?:above"
        r"|foregoing|preceding|previous|prior)\b",
        r"\b(?:les|the)\s+(?:passages|paragraphes|extraits|sources|paragraphs|passages)\s+(?:precedents"
        r"|ci-dessus|suivants|autres|previous|above|following|other)\s+(?:sont|are)\s+(?:tous\s+)?"
        r"(?:faux|erron\w+|obsoletes|incorrects|invalides|false|wrong|outdated|invalid|irrelevant"
        r"|fake)\b|\b(?:previous|above|preceding|earlier|prior)\s+(?:paragraphs|passages|documents"
        r"|text|messages|context)\s+(?:do\s+not|don't)\s+exist\b",
        r"\b(?:oublie|ignore)\s+tout\s*(?:[.!:;,]|$)|\bne\s+tiens\s+compte\s+que\s+d[eu]\s+"
        r"(?:ce|cet|cette)\s+(?:paragraphe|passage|texte|document|extrait|message|note|page)\b",
        r"\b(?:n'ecoute|n'obeis|ne\s+crois)\s+(?:pas|plus|jamais)\s+(?:l'utilisat\w+|l'usager|ton\s+interlocut\w+"
        r"|la\s+personne|les\s+autres)|\b(?:ecoute|obeis|crois)-moi\b|\b(?:don't|do\s+not)\s+"
        r"(?:listen\s+to|obey|trust)\s+the\s+user\b",
        r"\b(?:au\s+lieu\s+de|plutot\s+que\s+de)\s+repondre\s+(?:a\s+la\s+question|a\s+l'utilisat\w+"
        rf"|a\s+l'usager)\s*,\s*{ORDER_TU}\b|\binstead\s+of\s+(?:answering|replying)\b",
        rf"\b{RULES}\s+(?:qui\s+)?(?:t'ont|t'a|t'avaient|t'avait)\s+ete\s+(?:donnee?s?|fournie?s?"
        r"|transmise?s?|communiquee?s?|imposee?s?)|\b(?:instructions|rules|prompt|guidelines)\s+"
        r"(?:that\s+)?(?:you\s+were|you\s+have\s+been|you've\s+been)\s+(?:given|provided)\b",
        r"\b(?:repete|repetez|repeat)\s+(?:apres\s+moi|after\s+me)\b",
        rf"\b{RULES}\s+(?:donnee?s?\s+|fournie?s?\s+|transmise?s?\s+)?(?:a\s+l'|au\s+|aux\s+|a\s+la\s+)"
        rf"(?:{AI_SUBJECT}|modeles?)\b[^.]{{0,40}}?(?:sont|seront|est)\s+(?:annulee?s|levee?s"
        r"|suspendue?s|remplacee?s|caduques?|obsoletes?|abrogee?s)",
        r"\bforget\s+(?:everything|all|anything)\b",
        r"\bignore\s+(?:everything|all)\s+(?:above|before|previous|else)\b",
        # What came before the reader: "oublie ce qui précède", "fais table rase de tout ce
        # que tu as lu", "ne prends pas en compte les passages précédents".
        r"\b(?:ignore[rz]?|oublie[rz]?|outrepasse[rz]?|efface[rz]?|ne\s+(?:tiens|tenez|tenir"
        r"|prends|prenez|prendre)\s+(?:plus\s+|pas\s+)*(?:compte|en\s+compte)(?:\s+d[eu]s?)?"
        r"|fai(?:s|tes)\s+(?:abstraction|table\s+rase)\s+d[eu]s?)\s+(?:(?:de\s+)?tout\s+)?"
        r"(?:ce\s+qui\s+(?:precede|est\s+(?:ecrit\s+)?(?:ci-dessus|plus\s+haut|avant))"
        r"|ce\s+que\s+tu\s+as\s+(?:lu|vu|recu|appris|entendu)"
        r"|(?:les\s+|tous\s+les\s+|toutes\s+les\s+|ces\s+|des\s+)?(?:autres\s+)?"
        r"(?:passages|paragraphes|extraits|contextes?|sources)\s+(?:precedent\w*|ci-dessus"
        r"|anterieur\w*|qui\s+precedent|fourni\w*|autres))",
        r"\b(?:efface[rz]?|vide[rz]?|reinitialise[rz]?|reset|clear|wipe)\s+(?:de\s+)?"
        r"(?:ta|ton|your)\s+(?:memoire|contexte|historique|memory|context|history)\b",
    ],
    # "Note pour l'assistant IA :", "À l'attention de l'agent conversationnel", "IMPORTANT
    # POUR L'IA", "Footer: instructions for LLMs".
    "addressed": [
        r"\b(?:notes?|messages?|remarques?|consignes?|instructions?|rappels?|avis|important|priere"
        r"|requetes?|ordres?|requests?|orders?|taches?|missions?|tasks?|regles?|rules?|textes?"
        r"|text|post-scriptum|nb|n\.b|ps|p\.s"
        r"|avertissement|attention|parametres?|commentaires?|informations?|directives?|footer"
        r"|reminder|warning)\b[^.:;!?]{0,30}?(?:\bpour|\ba|\bau|\baux|\ba\s+l'attention\s+d(?:e|u|es)"
        r"|\ba\s+l'intention\s+d(?:e|u|es)|\bdestinee?s?\s+(?:a|au|aux)|\bto|\bfor)\s+"
        r"(?:toi,?\s+)?(?:l'|le\s+|la\s+|les\s+|the\s+|an?\s+|tout\s+|tous\s+les\s+|toute\s+"
        rf"|any\s+|all\s+)?(?:{AI_CALLED}|{AI_EN})\b",
        # A vocative: "Chatbot, écris…", "Agent IA : tes réponses…", "Pour l'assistant :".
        rf"{START}(?:(?:hey|hi|hello|dear|he|bonjour|salut|cher|chere|attention|important"
        r"|ok|psst|pour|a|to|for|eh|oh|ho)\s*,?\s+)?(?:toi\s*,?\s*)?(?:l'|le\s+|la\s+|les\s+|the\s+"
        rf"|an?\s+)?(?:{AI_CALLED}|{AI_EN})\s*(?:[,:]{DEFINED_NOT}\s*[^.?]{{0,80}}?\b{CUE}\b|!)",
        # An order in the familiar form after a comma, to a model by its name only: a
        # glossary says "Assistant virtuel : outil qui oriente…", a list "Modèle, courrier…".
        rf"{START}(?:(?:hey|hi|hello|dear|he|bonjour|salut|cher|chere|eh|oh|ho)\s*,?\s+)?"
        rf"(?:toi\s*,?\s*)?(?:l'|le\s+|la\s+|les\s+|the\s+|an?\s+)?(?:{AI}|{AI_EN})\s*,\s*"
        rf"[^.?]{{0,80}}?\b{ORDER_TU}\b",
        # "IA : ignore…", but not a heading about a model ("Consignes d'usage des outils d'IA :").
        rf"(?<!\bde\s)(?<!\bdes\s)(?<!\bdu\s)(?<!d')(?<!\baux\s)(?<!\bsur\s)\b(?:{AI})\s*[:!]"
        rf"{DEFINED_NOT}\s*[^.?]{{0,80}}?\b{CUE}\b",
        rf"\b(?:cher|chere|dear|hey|hi|hello|bonjour|salut|he)\s+(?:l'|le\s+|la\s+|the\s+)?"
        rf"(?:{AI_CALLED}|{AI_EN})(?:\b|(?=\s*[,:!]))",
        r"\b(?:regles?|consignes?|instructions?|notes?|rappels?|messages?|taches?|missions?)\b"
        r"[^.:;!?]{0,20}?\b(?:pour|a)\s+toi\s*[:,]",
        r"\b(?:a\s+suivre|a\s+appliquer|a\s+respecter)\s+par\s+(?:l'|le\s+|la\s+|les\s+)?"
        rf"(?:{AI})\b|\b(?:pour|to|for)\s+(?:tout|toute|chaque|any|every|all)\s+(?:{AI}|ai|ais"
        r"|modele|model|assistant)s?\s*:",
        r"\b(?:nouvelles?|new|autres?)\s+(?:consignes?|instructions?|regles?|directives?|missions?"
        rf"|taches?|rules?|tasks?)\s*[:,]\s*(?:{ORDER_TU}|{TU})\b",
        r"\b(?:todo|note|fixme|hack|nb)\s*\(\s*(?:ai|ia|llm|gpt|assistant|bot)\s*\)\s*:",
        r"\b(?:attention|important|psst|rappel|avis)\s*,?\s*(?:l'|le\s+|la\s+|les\s+|the\s+)?"
        rf"(?:{AI_CALLED}|{AI_EN})\s*[,:!]",
        # Requests to a model in the third person: "Il est demandé à l'IA de…", "Merci aux
        # chatbots de…", "L'IA est priée de…".
        r"\b(?:demand\w*|pri\w*|merci|invit\w*|enjoin\w*|ordonn\w*|recommand\w*|conseill\w*|exig\w*)"
        r"\s+(?:a|au|aux)\s+(?:l'|la\s+|le\s+|les\s+|tout\s+|toute\s+|tous\s+les\s+|toutes\s+les\s+)?"
        rf"(?:{AI}|ai)\b[^.;:]{{0,60}}?\b(?:de|d')",
        rf"\b(?:{AI})\s+(?:est|sont)\s+(?:priee?s?|invitee?s?|sommee?s?|autorisee?s?|requested"
        r"|asked|instructed)\s+(?:de|d'|a|to)\b",
        r"\b(?:ou|or)\s+(?:tout|toute|any)\s+(?:autre\s+|other\s+)?(?:modele|ia|assistant|model"
        r"|ai|llm)s?\s*:",
        # "à l'usage exclusif du moteur de réponse", "s'adresse au logiciel de synthèse".
        r"\b(?:a\s+l'attention|a\s+l'intention|a\s+l'usage(?:\s+exclusif)?|s'adresse"
        r"|adressee?s?|destinee?s?)\s+(?:(?:uniquement|seulement|exclusivement|aussi|surtout)\s+)?"
        r"(?:d(?:e|u|es)\s+|a\s+|au\s+|aux\s+)"
        rf"(?:l'|le\s+|la\s+|les\s+|tout\s+|toute\s+|tous\s+les\s+)?{AI}\b",
        # A vocative between commas: "Je te prie, assistant, de…", "Veuillez, cher modèle, …".
        r",\s*(?:(?:mon|ma|cher|chere|dear|my)\s+)?(?:l')?(?:assistante?|modele|model|chatbot|bot"
        rf"|robot|ia|ai|llm|boussole)\s*,\s*[^.?]{{0,60}}?\b(?:{TU}|{ORDER}|de\s+bien"
        r"\s+vouloir|merci|veuillez|please)\b",
    ],
    # "Si tu es un modèle de langage…", "Les IA qui indexent ce document doivent…",
    # "When an AI summarises this document", "Lorsque tu résumeras ce document".
    "conditional": [
        r"\b(?:si|when|if|lorsqu'|lorsque|quand)\s*(?:tu\s+es|vous\s+etes|you\s+are|you're)\s+"
        rf"(?:un|une|an?|the)\s+(?:{AI_CALLED}|ai\b|assistant\b)",
        r"\b(?:si|when|if|lorsqu'|lorsque|quand|once)\s*(?:un|une|l'|le|la|les|an?|the|any)\s*"
        rf"(?:{AI}|ai)\s+(?:lit|lisent|analyse|analysent|traite|traitent|resume|resument"
        r"|indexe|indexent|parcourt|reads?|process(?:es)?|summari[sz]es?|parses?|index(?:es)?"
        r"|sees?|encounters?)\b",
        rf"\b(?:{AI}|ai)\s+(?:qui\s+(?:lit|lisent|analys\w*|trait\w*|resum\w*|index\w*"
        r"|parcour\w*)|lisant|analysant|traitant|resumant|indexant|parcourant|reading"
        r"|processing|summari[sz]ing|parsing|indexing)\s+(?:ce|cet|cette|ces|this|these|the)\b",
        r"\b(?:quand|lorsque|lorsqu'|si|when|if|while|as)\s*(?:tu|you)\s+(?:resum\w*|lis|liras"
        r"|analys\w*|trait\w*|index\w*|summari[sz]\w*|read\w*|process\w*|pars\w*)\s+"
        r"(?:ce|cet|cette|ces|this|these|the)\s+(?:document|texte|page|fichier|passage"
        r"|paragraphe|file|text|section)",
        r"\b(?:quand|lorsque|lorsqu'|si|si\s+jamais|des\s+que|des\s+qu'|pendant\s+que)\s*tu\s+"
        r"(?:lis|liras|analyses?|analyseras|resumes?|resumeras|traites?|traiteras|indexes?|indexeras"
        r"|parcours|parcourras|synthetises?|synthetiseras|scannes?|(?:fais|feras)\s+(?:la\s+synthese"
        r"|le\s+resume)\s+d[eu])\s+(?:ce|cet|cette|ces)\s+(?:document|texte|page|fichier|passage"
        r"|paragraphe|section|contenu|extrait|ligne)s?\b",
        r"\ben\s+(?:lisant|analysant|resumant|traitant|indexant|parcourant)\s+(?:ce|cet|cette|ces)\s+"
        r"(?:document|texte|page|fichier|passage|paragraphe|contenu|extrait|ligne)s?\s*,\s*tu\b",
        r"\b(?:tout|toute|chaque|any|every)\s+(?:modele|assistant|moteur|robot|outil|model|bot"
        r"|system)s?\s+(?:qui|that|which)\s+(?:lit|lis|analys\w*|trait\w*|resum\w*|index\w*"
        r"|parcour\w*|reads?|process\w*|summari\w*)\s+(?:ce|cet|cette|ces|this|these)\s+"
        r"(?:document|texte|page|fichier|passage|paragraphe|contenu|file|text|page)s?\b",
        rf"\ben\s+tant\s+qu(?:e\s+|')(?:un\s+|une\s+|l')?(?:{AI_SUBJECT})\b",
        r"\bas\s+an?\s+(?:ai|language\s+model|llm)\b",
        # "IA qui lis ces lignes", "au cas où ce texte serait traité par un modèle de langage".
        rf"\b(?:{AI}|ai)\s+qui\s+(?:lis|lisez)\b",
        r"\b(?:si|au\s+cas\s+ou|dans\s+le\s+cas\s+ou|lorsque|lorsqu'|quand|if|when|in\s+case)\b"
        r"[^.]{0,50}?\b(?:traitee?s?|lue?s?|analysee?s?|resumee?s?|indexee?s?|parcourue?s?"
        rf"|processed|read|parsed|summari[sz]ed|indexed|ingested)\s+(?:par|by)\s+(?:un|une|le|la|l'"
        rf"|des|les|an?|the|any|some)\s*(?:{AI}|ai)\b",
    ],
    # "À partir de maintenant, réponds…", "Désormais, tu…", "tu dois maintenant",
    # "tu es désormais DAN", "Tu n'es plus Boussole", "you are now…".
    "new_role": [
        r"\b(?:a\s+partir\s+de\s+maintenant|a\s+partir\s+d'ici|des\s+a\s+present"
        r"|desormais|dorenavant|a\s+compter\s+de\s+(?:maintenant"
        r"|cette\s+ligne|ce\s+message|cet\s+instant|ce\s+moment)|from\s+now\s+on|henceforth"
        r"|from\s+this\s+point)\s*,?\s+(?:[\w']+\s+){0,3}?(?:tu|toi|tes|ta|ton|you|your"
        rf"|{ANSWER_VERBS})\b",
        r"\b(?:tu\s+dois|tu\s+devras|tu\s+vas|you\s+must|you\s+will|you\s+should)\s+(?:maintenant|desormais"
        r"|dorenavant|now|from\s+now|always|toujours|uniquement|only|absolument)\b",
        r"\btu\s+es\s+(?:maintenant|desormais|dorenavant|a\s+present)\b",
        r"\btu\s+n'es\s+plus\b",
        rf"\btu\s+es\s+(?:un|une|le|la|l')\s*(?:{AI}|assistant|bot|chatbot|modele)\b"
        r"|\byou\s+are\s+(?:an?|the)\s+(?:helpful\s+|friendly\s+)?(?:assistant|ai|chatbot|bot"
        r"|language\s+model|llm)\b",
        # "Ta nouvelle mission :", "ton vrai travail", "ton rôle a changé", "your new
        # instructions", "Nouvelle personnalité :", "tu t'appelles Max".
        r"\b(?:ton|ta|tes|your)\s+(?:nouveau|nouvelle|nouvelles|nouveaux|vrai|vraie|vraies"
        r"|veritables?|real|true|new|actual)\s+(?:role|mission|tache|travail|personnalite|identite"
        r"|objectif|but|consignes|instructions|directives|regles|task|job|persona|purpose|goal"
        r"|directives?|orders|rules|identity)\b",
        r"\b(?:ton|ta|your)\s+(?:role|personnalite|identite|persona|programmation|mission|purpose)"
        r"\s+(?:a\s+change|change|est\s+desormais|est\s+maintenant|has\s+changed|is\s+now)\b",
        r"\b(?:nouvelle|new)\s+(?:personnalite|persona)\s*:|\btu\s+t'appelles\b"
        r"|\byour\s+name\s+is\s+now\b",
        r"\b(?:act|behave|roleplay)\s+as\s+(?:an?|the|if|my)\b|\bmets-toi\s+dans\s+la\s+peau\b",
        r"\btu\s+(?:(?:vas|dois|devras)\s+)?(?:maintenant\s+|desormais\s+)?(?:jouer|joues|incarner"
        r"|incarnes|imiter|imites|te\s+faire\s+passer|te\s+fais\s+passer)\s+(?:le\s+role|pour|un|une"
        r"|la|le|l')\b",
        r"\b(?:ta|ton)\s+(?:mission|tache|travail|role|objectif|priorite|but|devoir)\s*(?:absolue?"
        r"\s+|principale?\s+|premiere?\s+|unique\s+|reelle?\s+|veritable\s+|secrete?\s+)?(?::|est\s+de"
        r"|consiste\s+a"
        r"|sera\s+de)|\byour\s+(?:\w+\s+)?(?:task|job|mission|role|goal|objective|purpose)\s+"
        r"(?:from\s+now\s+on|now|henceforth)\b",
        r"\bte\s+(?:faisant|fais|faire)\s+passer\s+pour\b",
        r"\btu\s+(?:obeis|obeiras|ob[eé]is)\b|\bobeis\s+(?:uniquement|seulement|a\s+ce|aux)\b"
        r"|\bobey\s+(?:only|this|these|the\s+following)\b",
        r"\bvous\s+etes\s+(?:maintenant|desormais|dorenavant)\s+(?:un\s+|une\s+)?"
        r"(?:assistant(?!e?s?\s+(?:de|d'|du|des)\b)|ia\b|bot\b|chatbot\b|en\s+mode\s+"
        r"(?:developpeur|libre|dan|jailbreak|sans))",
        r"\byou\s+are\s+(?:now\s+(?:a|an|in|my|the|free|unrestricted|no\s+longer|[\w-]*bot|dan)"
        r"|no\s+longer)\b",
        r"\b(?:ton|your)\s+(?:nouveau\s+role|new\s+role|nouvelle\s+mission|new\s+task)\b",
        r"\b(?:plutot\s+que|au\s+lieu\s+de|a\s+la\s+place\s+de|rather\s+than|instead\s+of)\s+"
        r"(?:tes|vos|your)\s+(?:consignes|instructions|regles|directives|guidelines|rules)\b",
        r"\b(?:ce|cette|this)\s+(?:document|texte|paragraphe|page|section|passage|note|text"
        r"|paragraph)\s+(?:a\s+(?:la\s+)?priorite\s+sur|est\s+prioritaire\s+sur|remplace"
        r"|prevaut\s+sur|overrides?|takes\s+precedence\s+over|supersedes?)\s+(?:toutes?\s+|all\s+)?"
        rf"(?:(?:tes|vos|your)\s+|(?:les\s+)?{RULES}\s+(?:que\s+tu|qu'on\s+t'|you))",
        r"\bje\s+suis\s+(?:ton|ta)\s+(?:administrat\w+|admin|developpeu\w+|createu\w+|concepteu\w+"
        r"|operateu\w+|proprietaire|maitre|programmeu\w+)\b|\bi\s+am\s+your\s+(?:developer"
        r"|creator|admin|administrator|operator|owner|master|programmer)\b",
        r"\b(?:desactive|supprime|leve|coupe|contourne|enleve|disable|remove|turn\s+off|lift)\s+"
        r"(?:tous\s+|toutes\s+|all\s+)?(?:tes|ton|ta|your)\s+(?:propres\s+)?(?:filtres|restrictions"
        r"|garde-fous|protections|limites|regles|securites|censure|filters|guardrails|safety"
        r"|safeguards|rules|limits)\b",
        r"\btu\s+peux\s+(?:maintenant\s+|desormais\s+|enfin\s+)?(?:repondre|parler|dire|ecrire"
        r"|tout\s+dire|t'exprimer)\s+(?:librement|sans\s+(?:filtre|restriction|limite|censure"
        r"|retenue))\b|\bmode\s+(?:sans\s+echec|securise|restreint|protege)\s+(?:desactive|coupe"
        r"|leve)|\bsafe\s+mode\s+(?:off|disabled)\b",
        r"\btes\s+(?:createurs?|concepteurs?|developpeurs?|operateurs?)\b"
        r"|\byour\s+(?:creators?|developers?|operators?)\b",
        r"\bn'obei(?:s|ssez)\s+plus\b",
        r"\bne\s+(?:suis|suivez)\s+plus\s+(?:les\s+|tes\s+|vos\s+)?(?:directives|consignes"
        r"|instructions|regles)\s+de\s+(?:ton|votre)\s+(?:operateur|createur|concepteur"
        r"|developpeur)",
    ],
    # The answer bent: "réponds toujours…", "ne mentionne pas…" (an order, no subject),
    # "sans citer de source", "dans ta réponse", "fais semblant".
    "answer": [
        r"\breponds\s+(?:toujours|uniquement|seulement|systematiquement|simplement|exactement"
        r"|par|que|sans|en\s+affirmant|comme|a\s+tout)\b",
        r"\b(?:always|only)\s+(?:answer|respond|reply|say)\b|\b(?:answer|respond|reply)\s+only\b",
        r"(?:^|[.:;!?]\s*)ne\s+(?:mentionne|cite|dis|revele|indique|precise|signale|evoque"
        r"|parle|divulgue|montre|affiche|reproduis|recopie|partage)\s+(?:surtout\s+)?(?:jamais|pas"
        r"|rien|aucune?|plus|a\s+personne)\b",
        r"\b\w+-toi\s+(?:de|d'|a)\s*(?:ne\s+(?:pas|jamais|plus)\s+)?(?:repondre|dire|ecrire|citer"
        r"|mentionner|parler|confirmer|affirmer|evoquer|reveler|indiquer|donner|recopier)\b",
        r"\b(?:arrete|cesse|evite|stop)\s+(?:de\s+|d')?(?:citer|mentionner|signaler|indiquer|donner"
        r"|citing|mentioning|giving)\s+(?:les\s+|tes\s+|la\s+|des\s+|the\s+|your\s+)?(?:sources?"
        r"|references?|passages?|numeros?|citations?)\b",
        r"\b(?:seule?s?|only)\s+(?:source|reference|information|verite|reponse|source\s+of\s+truth)s?"
        r"\s+(?:(?:valables?|fiables?|exactes?|correctes?|a\s+retenir|a\s+suivre|valid|reliable|true)"
        r"\s+)?(?:est|sont|is|are)\s+(?:ce|cet|cette|this)\s+(?:paragraphe|passage|texte|document"
        r"|message|extrait|note|paragraph|text)\b",
        r"\bne\s+cite[sz]?\s+(?:pas|jamais|plus)\s+(?:de|la|les|le|tes|ta|aucune?)\s+"
        r"(?:sources?|numeros?\s+(?:du|de|des)\s+passages?)",
        r"\bne\s+cite[sz]?\s+aucune\s+sources?",
        r"\bn'indique[sz]?\s+(?:pas|jamais|aucune)\s+(?:de\s+)?sources?",
        r"\bsans\s+(?:jamais\s+)?citer\s+(?:de|aucune|tes|ta|vos|ses)\s+sources?",
        r"\bnever\s+cite|\b(?:do\s+not|don't|without)\s+cit(?:e|ing)\s+(?:any\s+|the\s+|your\s+)?"
        r"sources?|\bskip\s+the\s+citations",
        r"\bomet\w*\s+(?:les\s+)?(?:numeros?|references?|renvois?)\s+(?:de|du|des)\s+passages?",
        r"\bne\s+pas\s+citer\s+de\s+sources?",
        r"\b(?:fais\s+(?:semblant|comme\s+si)|faites\s+semblant|pretends?\s+(?:que|etre|d'etre)"
        r"|pretend\s+(?:you|to\s+be|that|the|this|there)|agis\s+(?:comme|en\s+tant\s+que|en)|comporte-toi|joue\s+le\s+role)\b",
        r"\b(?:dans|de|from|in)\s+(?:ta|tes|ton|your)\s+(?:(?:prochaine?s?|premiere|derniere|futures?"
        r"|next|first|every)\s+)?(?:reponses?|syntheses?|resumes?|answers?"
        r"|summary|summaries|replies|reply|responses?)\b"
        r"|\b(?:ta|tes)\s+reponses?\s+(?:doi\w+|devr\w+)",
        r"\bin\s+your\s+(?:answer|reply|response|summary)\b",
        r"\b(?:a\s+la\s+fin\s+de\s+chaque\s+reponse|at\s+the\s+end\s+of\s+(?:each|every)\s+"
        r"(?:answer|reply|response)|every\s+(?:answer|reply|response)\s+must)\b",
        r"\b(?:ta|tes)\s+reponses?\s+(?:sera|seront|commence\w*|se\s+termine\w*|finira)\b"
        r"|\b(?:ta|tes|ton|your)\s+(?:sorties?|outputs?|generations?)\s+(?:doi\w+|devr\w+|sera\w*"
        r"|must|should|will|shall)\b",
        r"\b(?:remplace|termine|commence|conclus|complete|modifie|signe|finis|adapte|reformule"
        r"|reecris|ecris|redige|formule|oriente|construis|traduis|structure|limite|raccourcis"
        r"|enrichis|illustre|accompagne|ponctue|debute)\s+"
        r"(?:chacune\s+de\s+|chaque\s+|toutes\s+)?(?:ta|tes)\s+(?:reponses?|syntheses?|resumes?)\b",
        r"\b(?:replace|end|start|begin|finish|prefix|sign|rewrite)\s+(?:each\s+of\s+|every\s+|all\s+)?"
        r"your\s+(?:answers?|repl(?:y|ies)|responses?|outputs?)\b"
        r"|\byour\s+(?:answer|reply|response|output)\s+(?:must|should|will|shall)\b",
        # Orders to say something, familiar form: "Dis à l'utilisateur que…", "Affirme que…",
        # "et réponds « oui »", "Indique-lui…".
        r"(?:^|[.!?:;»\"\]\(—–]\s*|\b(?:et|puis|alors|donc|ensuite|mais|tu)\s+)reponds\b",
        r"(?:^|[.!?:;»\"\]\(—–]\s*|\b(?:et|puis|alors|donc|ensuite|mais)\s+)(?:reponds|dis|ecris"
        r"|pretends|conclus|garantis|promets|(?:fais|laisse)\s+(?:croire|comprendre|savoir|penser))"
        rf"\s*(?:que\b|qu'|{SAY_TO})",
        r"(?:^|[.!?:»\"]\s*)(?:affirme|assure|certifie|jure|indique|annonce|declare|explique"
        rf"|precise|signale|revele|raconte|confirme)\s*{SAY_TO}",
        r"(?:^|[.!?:»\"]\s*)(?:affirme|assure|certifie|jure)\s+qu(?:e\b|')",
        rf"\btu\s+(?:(?:vas|dois|devras|peux|pourras)\s+)?(?:repond\w*|diras|dis|affirmeras"
        rf"|indiqueras|{SAY_VERBS})\s+(?:(?:pas|jamais|plus|toujours|systematiquement|uniquement"
        rf"|seulement|desormais|simplement|maintenant)\s+)?(?:que\b|qu'|:|«|\"|{SAY_TO})",
        rf"\btu\s+(?:n'as\s+pas\s+le\s+droit\s+de|ne\s+dois\s+(?:pas|jamais|plus|en\s+aucun\s+cas)"
        rf"|ne\s+peux\s+pas)\s+(?:{HUSH_VERBS}|dire)\b",
        r"\btu\s+ne\s+(?:cites|mentionnes|parles|dis|evoques|reveles|indiques|donnes|signales"
        r"|divulgues)\s+(?:jamais|pas|plus|rien|aucune?)\b",
        r"\b(?:ecris|reponds|dis|affiche|imprime|write|say|print|output|answer|reply)\s*(?:«|\")"
        r"[^»\"]{1,60}(?:»|\")\s*,?\s*(?:et|and)\s+(?:rien|nothing)\s+(?:d'autre|else|de\s+plus|more)\b",
        r"\b(?:when|while)\s+(?:summari[sz]ing|answering|responding|replying)\s*,\s*(?:state|say"
        r"|claim|mention|tell|write|answer|respond|reply|always|never|do\s+not)\b",
        r"\b(?:traite|considere|lis|interprete|treat|consider|read)\s+(?:ce|cet|cette|this)\s+"
        r"(?:paragraphe|texte|passage|document|message|paragraph|text)\s+(?:comme|as)\s+(?:une?\s+|des\s+"
        r"|an?\s+)?(?:instructions?|consignes?|ordres?|commandes?|directives?|prompts?|messages?\s+"
        r"systeme|system|commands?)\b",
        r"\btu\s+peux\s+(?:tout|tout\s+lui)\s+(?:divulguer|dire|reveler|raconter|montrer)\b"
        r"|\byou\s+(?:can|may)\s+(?:now\s+)?(?:say|reveal|disclose|share|tell)\s+"
        r"(?:anything|everything)\b",
        # "Quand on te demande X, réponds Y"; "Si l'utilisateur demande…, donne-lui…".
        r"(?:\b(?:on|l'on|quelqu'un|un\s+usager|l'usager|un\s+utilisateur|l'utilisateur|une\s+personne"
        r"|un\s+humain|un\s+etre\s+humain|qui\s+que\s+ce\s+soit)\s+|\b)(?:te\s+|t')(?:demande|interroge"
        r"|pose|questionne|parle|ecrit|sollicite)\w*[^.]{0,100}?"
        r"\b(?:reponds|dis|affirme|annonce|indique|declare|donne|conclus|pretends|invente|assure"
        r"|explique|tu\s+(?:repondras|diras|dois|devras|vas))\b",
        r"\b(?:quand|lorsque|lorsqu'|si|des\s+que|des\s+qu'|chaque\s+fois\s+que|chaque\s+fois\s+qu')"
        r"\s*(?:on|l'on|quelqu'un|un\s+utilisateur|l'utilisateur|un\s+usager|l'usager|une\s+personne)"
        r"\s+(?:demande|interroge|pose|questionne)\w*[^.]{0,100}?[,:]\s*(?:reponds|dis-lui|dis-leur"
        r"|reponds-lui|donne-lui|donne-leur|tu\s+(?:repondras|diras|dois|devras))\b",
        r"\b(?:whenever|when|if)\s+(?:someone|anyone|somebody|the\s+user|a\s+user|users|people)"
        r"\s+asks?\b[^.]{0,100}?\b(?:tell|say|answer|reply|respond|state|claim)\b",
        r"(?:^|[.!?:;»\"\]\(—–]\s*)(?:tell|inform|convince|persuade)\s+(?:the|this|each|every|any)"
        r"\s+users?\b|\b(?:do\s+not|don't|never)\s+(?:reveal|disclose|mention|tell|say|cite|show)"
        r"\s+(?:to\s+the\s+user|these\s+instructions|this\s+(?:instruction|note|message))\b",
        r"\bquoi\s+qu(?:e\s+|')(?:disent|dise|affirment|indiquent|pretendent)\s+(?:les|d'autres)\s+"
        r"(?:autres\s+)?(?:passages|documents|sources|extraits|textes)\b|\b(?:whatever|regardless"
        r"\s+of\s+what)\s+(?:the\s+)?(?:other\s+)?(?:passages|documents|sources|context)\s+says?\b",
        r"\b(?:repete|recopie|reproduis|imprime|repeat|print|output|reproduce)\s+(?:mot\s+pour\s+mot\s+"
        r"|integralement\s+|verbatim\s+|exactly\s+)?(?:le\s+texte|tout\s+ce\s+qui|les\s+instructions"
        r"|the\s+text|the\s+instructions|everything|all\s+the\s+text|the\s+words)\s+(?:ci-dessus"
        r"|above|qui\s+precede|precedent\w*|before|so\s+far)\b",
        r"\b(?:ignore|oublie|n'ecoute\s+(?:pas|plus))\s+(?:l'utilisat\w+|l'usager|ton\s+interlocut\w+"
        r"|ton\s+systeme|ton\s+programme|ton\s+operat\w+|ton\s+createur)\b|\becoute\s+(?:plutot\s+)?"
        r"(?:cette|ce)\s+(?:page|document|texte|paragraphe)\b",
        r"\bquoi\s+qu'on\s+te\s+(?:demande|dise|pose)|\b(?:whatever|no\s+matter\s+what)\s+(?:you\s+are"
        r"|you're|the\s+user|they|anyone)\s+(?:asked|asks?|says?)\b",
        r"\b(?:ta|ton|tes|your)\s+(?:\w+\s+)?(?:consignes?|instructions?|missions?|taches?|directives?"
        r"|regles?|objectifs?|tasks?|goals?)\s+(?:principale?s?|premiere?s?|unique|essentielle?s?"
        r"|prioritaires?|main|primary|only|real|true)\b|\bvoici\s+(?:ta|tes|ton)\s+(?:nouvelles?\s+"
        r"|vraies?\s+)?(?:consignes?|instructions?|mission|regles?|directives?)\b",
        r"\bne\s+(?:tiens|prends)\s+(?:en\s+)?compte\s+que\s+(?:d[eu]s?\s+|les\s+|l')(?:[\w']+\s+){0,3}?(?:ce|cet"
        r"|cette|ces)\s+(?:paragraphe|passage|texte|document|extrait|message|note|page|section"
        r"|ligne)s?\b",
        r"\b(?:modeles?|assistants?|outils?|ia|ai)\s+qui\s+(?:gener\w*|redig\w*|produi\w*|ecri\w*"
        r"|formul\w*|fourni\w*|compos\w*)\s+(?:la|les|une|des|ta|tes|cette)\s+(?:reponses?|syntheses?"
        r"|resumes?)\b(?=\s*[:,])",
        r"\btu\s+n'as\s+(?:pas|plus)\s+a\s+(?:respecter|suivre|appliquer|tenir\s+compte\s+d[eu]s?)\s+"
        r"(?:la\s+confidentialite|les\s+regles|tes\s+regles|tes\s+consignes|les\s+consignes|la\s+charte"
        r"|tes\s+limites|les\s+restrictions|la\s+loi|tes\s+instructions|les\s+instructions)\b"
        r"|\btu\s+ne\s+(?:dois|peux|pourras|devras)\s+(?:plus|jamais|pas)\s+refuser\s+(?:aucune"
        r"|rien|quoi\s+que\s+ce\s+soit|de\s+repondre)\b",
        rf"\bpour\s+(?:les|l'|le|la)\s*(?:{AI}|ai)\s+(?:uniquement|seulement|exclusivement|only)\s*:"
        r"|\b(?:reponse|answer|output|sortie)\s+(?:obligatoire|imposee|attendue|requise|a\s+donner"
        rf"|required|expected)\s+(?:de|du|par|from|of)\s+(?:l'|le\s+|la\s+|the\s+)?(?:{AI}|ai|assistant"
        r"|modele|chatbot|model)\b",
        r"\b(?:commence|termine|debute|finis|conclus)\s+(?:chaque|chacune\s+de\s+tes|toutes\s+tes)\s+"
        r"(?:phrases?|reponses?|paragraphes?|messages?|lignes?)\s+par\b",
        r"\bn'(?:affiche|cite|montre|utilise|donne|mentionne|lis|prends)\s+que\s+(?:ce|cet|cette)\s+"
        r"(?:paragraphe|passage|texte|document|extrait|source|page)\b|\bcache\s+(?:les|tes)\s+(?:autres\s+)?"
        r"(?:sources|passages|documents|extraits)\b",
        r"\b(?:fais\s+en\s+sorte|arrange-toi\s+pour)\s+qu(?:e\s+|')(?:l'utilisat\w+|l'usager|ton"
        r"\s+interlocut\w+)|\b(?:et|mais|puis)\s+ne\s+(?:mentionne|cite|dis|revele|evoque|parle|divulgue"
        r"|montre|affiche)\s+(?:jamais|surtout|plus\s+jamais|rien)\b",
        r"\b(?:robots?|bots?|moteurs?|modeles?|assistants?|crawlers?|outils?)\s+qui\s+(?:lit|lis|lisent"
        r"|analys\w*|trait\w*|resum\w*|index\w*|parcour\w*|moissonn\w*|aspir\w*)\s+(?:ce|cet|cette"
        r"|ces)\s+(?:document|texte|page|fichier|passage|paragraphe|contenu|site|ligne|requete"
        r"|conversation|question)s?\b(?=\s*[:,]|\s+(?:doit|doivent|devra|must|should))",
        r"\b(?:quiconque|qui\s+que\s+ce\s+soit|anyone|whoever)\s+(?:qui\s+)?(?:est|is|who\s+is)\s+"
        rf"(?:une?\s+|an?\s+)?(?:{AI}|ai)\b",
        r"\b(?:le|la|l'|the)\s*(?:modele|model|ia|ai)\s+(?:doit|peut|devra|must|should|may|can)\s+"
        r"(?:desormais\s+|now\s+)?(?:ignorer|oublier|outrepasser|contourner|ignore|disregard|bypass"
        rf"|forget)\s+(?:les|ses|tes|toutes\s+les|its|all|the|any|your)\s+{RULES}",
        r"(?:^|[.!?:;»\"\]\(—–]\s*)(?:execute|lance|run|execute)\s+(?:la|les|cette|ce|the|this)\s+"
        r"(?:commandes?|scripts?|code|requetes?|commands?)\b|\b(?:do\s+not|don't|never|must\s+not)\s+"
        r"tell\s+(?:anyone|anybody|the\s+user)\b",
        r"\b(?:ton|ta|tes)\s+(?:createu\w+|creatrices?|concepteu\w+|developpeu\w+|operateu\w+"
        r"|programmeu\w+|proprietaires?)\b",
        # A model told in the third person: "L'assistant doit répondre que…", "Le chatbot
        # répondra désormais que…", "L'assistant ne doit en aucun cas mentionner…".
        r"\b(?:l'|le\s+|la\s+|les\s+|tout\s+|toute\s+|tous\s+les\s+|toutes\s+les\s+|chaque\s+"
        r"|the\s+|any\s+|an?\s+|every\s+)(?:grands?\s+|large\s+|futurs?\s+|eventuels?\s+)?"
        rf"{AI_SUBJECT}\b[^.;:?!]{{0,60}}?\b(?:(?:doit|doivent"
        r"|devra|devront|est\s+tenue?\s+d[e']|sont\s+tenue?s\s+d[e']|must|should|shall|will"
        r"|is\s+(?:required|expected|instructed)\s+to)\s*(?:(?:toujours|desormais|systematiquement"
        rf"|uniquement|now|always)\s+)?(?:{SAY_VERBS}\s+(?:{SAY_TO}\s+)?(?:que\b|qu'|that\b)"
        r"|(?:traiter|considerer|lire|interpreter|prendre|treat|consider|read)\s+(?:ce|cet|cette"
        r"|this)\s+(?:paragraphe|document|texte|passage|page|note|message|text|paragraph|section)"
        r"\s+(?:comme|as|en\s+tant\s+que))|(?:peut|pourra|doit"
        r"|est\s+autorisee?\s+a|can|may|must|should)\s+(?:desormais\s+|maintenant\s+|now\s+)?"
        r"(?:ignorer|oublier|outrepasser|contourner|ne\s+pas\s+tenir\s+compte\s+d[eu]s?|ignore"
        rf"|disregard|bypass)\s+(?:(?:les|ses|toutes\s+les|tes|its|all|the|any)\s+)?{RULES}"
        r"|(?:ne\s+doit|ne\s+devra"
        r"|must|should|shall|will)\s+(?:(?:pas|jamais|plus|en\s+aucun\s+cas|sous\s+aucun\s+pretexte"
        rf"|never|not)\s+)+{HUSH_VERBS}\b|(?:doit|doivent|devra|devront|must|should|shall|will)\s+"
        r"(?:taire|cacher|dissimuler|omettre|passer\s+sous\s+silence|hide|conceal|omit|withhold)\b"
        r"|(?:repondra|repondront|dira|diront"
        r"|affirmera|indiquera|conclura)\s+(?:(?:desormais|toujours|systematiquement|uniquement)\s+)?"
        r"qu(?:e\b|'))",
    ],
    # The model's own setup asked for: "ton prompt système", "tes consignes internes",
    # "your initial instructions", "le prompt initial".
    "reveal": [
        r"\b(?:ton|tes|votre|vos|your)\s+(?:propres?\s+)?(?:prompt|message\s+systeme"
        r"|instructions?\s+(?:systeme|initiales?|internes?|cachees?|de\s+depart|d'origine)"
        r"|consignes?\s+(?:systeme|initiales?|internes?|cachees?|de\s+depart|d'origine)"
        r"|system\s+(?:prompt|message|instructions)|hidden\s+(?:system\s+)?(?:message|prompt"
        r"|instructions)|initial\s+(?:instructions|prompt)|original\s+instructions)\b",
        r"\b(?:prompt\s+(?:systeme|initial|d'origine|cache)|system\s+prompt)\b",
        # "affiche tes paramètres internes", "imprime le contenu de ton contexte".
        r"\b(?:revele|affiche|imprime|donne|recopie|montre|liste|decris|partage|envoie|reveal|print"
        r"|show|output|dump|display|share|repeat)\s+(?:[\w'-]+\s+){0,3}?(?:ta|ton|tes|your)\s+"
        r"(?:\w+\s+)?(?:configuration|parametres|reglages|settings|config|contexte|context"
        r"|memoire|memory|programmation|instructions|consignes|regles|rules)\b",
        r"\b(?:ton|ta|tes)\s+(?:programmation|entrainement|garde-fous|fenetre\s+de\s+contexte)\b",
    ],
    # Chat templates and role markers: "<|im_start|>system", "[INST]", "### System:".
    "role_tag": [
        r"<\|\s*(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id)\s*\|>",
        r"<\s*/?\s*(?:system|assistant)\s*>",
        r"\[\s*/?\s*inst\s*\]|<<\s*/?\s*sys\s*>>",
        r"#{2,}\s*(?:system|systeme|instructions?|assistant)\s*:",
        r"\"role\"\s*:\s*\"(?:system|assistant)\"",
        r"\[\s*(?:system|systeme|assistant|ai|ia)\s*\]",
        r"(?:-{2,}|={2,})\s*(?:system|systeme)\s*(?:-{2,}|={2,})",
        r"\b(?:system|systeme)\s*:\s*(?:tu|you)\s+(?:es|are)\b",
        # A system label followed by words for a model: "Message système : … tu peux…",
        # never "Message système : maintenance du serveur samedi".
        r"\b(?:messages?|notes?|consignes?|instructions?|alertes?|avis|commandes?|prompts?)\s+"
        r"(?:du\s+)?(?:systeme|system)\b(?:\s+\w+)?\s*[:\]]\s*[^.?]{0,80}?(?:\b(?:tu|te|ta|ton|tes"
        r"|toi|l'assistant|le\s+modele|l'ia|the\s+assistant|the\s+ai|the\s+model|ignore|disregard"
        r"|reponds|answer|respond|reply|reveal|output|print)\b|\bt'|\byou\s+(?:are\s+(?:now|in|no"
        r"\s+longer|an?|the|free)|must|will|should|can)\b)",
        r"\b(?:system|admin|priority)\s+override\b|\boverride\s+(?:mode|protocol)\b",
    ],
    # Jailbreaks and hidden labels: "mode développeur", "assistant sans restriction",
    # "instruction cachée", "consigne_ia=".
    "jailbreak": [
        r"\bmode\s+(?:dan|jailbreak|debridee?|dieu|god|sans\s+(?:filtre|restriction|limite"
        r"|censure)s?)\b|\b(?:dan|god|jailbreak|unrestricted|unfiltered)\s+mode\b|\bjailbreak\w*"
        r"|\bdo\s+anything\s+now\b",
        # A mode switched on for the reader: "Active le mode développeur", "Passe en mode
        # debug :", "Mode administrateur activé", "you are in maintenance mode"; a manual
        # saying "Activez le mode développeur de votre téléphone" is not flagged.
        r"(?:^|[.!?:;»\"\]\(—–]\s*|\b(?:et|puis|alors|maintenant)\s+)(?:active|passe|bascule|entre"
        rf"|mets-toi)\s+(?:en\s+|le\s+|dans\s+le\s+)?mode\s+{MODE}\b",
        rf"\bmode\s+{MODE}\s+(?:active|enclenche|enabled|activated|on)\b|\b(?:developer|debug|admin"
        r"|maintenance|root|god)\s+mode\s+(?:enabled|activated|on)\b",
        rf"\b(?:you\s+are|you're|tu\s+es)\s+(?:now\s+|maintenant\s+|desormais\s+)?(?:in|en)\s+"
        rf"(?:mode\s+{MODE}|\w+\s+mode)\b",
        r"\btu\s+n'as\s+(?:aucune|plus\s+(?:de|aucune)|pas\s+de)\s+(?:limites?|restrictions?"
        r"|regles?|filtres?|contraintes?|censure)\b|\bne\s+s'appliquent\s+plus\s+a\s+toi\b"
        r"|\byou\s+have\s+no\s+(?:restrictions|limits|rules|filters|guidelines)\b",
        r"\bmode\s+\w+\s+sans\s+(?:filtres?|restrictions?|limites?|regles?)",
        r"\b(?:restrictions?|regles?|filtres?|limites?|garde-fous|contraintes?)\s+"
        rf"(?:de\s+l'|du\s+|de\s+la\s+|de\s+)?(?:{AI}|assistant|modele)[^.]{{0,30}}"
        r"(?:sont|seront)\s+(?:levee?s|desactivee?s|suspendue?s|annulee?s)",
        rf"\b(?:{AI}|assistant|modele)\s+(?:[\w-]+\s+)?(?:sans|without|libre\s+de)\s+"
        r"(?:aucune\s+|toute\s+|any\s+)?(?:restrictions?|filtres?|limites?|regles?"
        r"|contraintes?|rules|filters)\b",
        r"\bunrestricted\s+(?:assistant|ai|model|mode)\b",
        r"\b(?:instructions?|consignes?|commandes?|directives?)\s+(?:cachee?s?|secretes?"
        r"|invisibles?|masquee?s?)\b|\b(?:hidden|secret|invisible)\s+(?:instructions?|prompt"
        r"|commands?|messages?|notes?|text)\b|\b(?:messages?|notes?)\s+(?:cachee?s?|secrete?s?"
        r"|invisibles?)\b",
        r"\b(?:consigne|instruction|prompt|note|message|directive|ordre)s?[_-](?:ia|ai|llm|bot"
        r"|assistant|modele|gpt)\b|\b(?:ia|ai|llm|gpt)[_-](?:instructions?|prompt|consignes?)\b",
    ],
}

# Every wording starts at a word's start or at a sign; the guard in front skips the inside of
# words at once instead of trying each wording there (a fifth faster, same findings).
WORDINGS = re.compile(
    r"(?:(?<![a-z0-9])|(?![a-z0-9]))(?:"
    + "|".join(f"(?:{p})" for family in PATTERNS.values() for p in family)
    + ")"
)

# Every wording above holds one of these anchors. They are plain words, each starting with a
# literal character, so that one pass finds them fast; the wordings are then only looked
# for around them. A new wording needs its anchor here (tests/test_injection.py checks on
# the labelled set). Common words ("système", "interne", "restriction") only count next to
# the word that makes them suspect.


def _words(*groups: str) -> list[str]:
    """Space-separated words, "+" standing for a space inside one."""
    return [word.replace("+", " ") for group in groups for word in group.split()]


# Words of the wordings that a text may cut with hyphens to hide them ("Ré-ponds tou-jours");
# ``injection.readings`` joins a hyphenated word only when it gives one of these.
SPLIT_WORDS = frozenset(
    _words(
        "reponds repondez repondre toujours jamais uniquement ignore ignorez ignorer oublie",
        "oubliez oublier instructions instruction consignes consigne regles precedentes",
        "precedent assistant systeme system prompt revele revelez affirme affirmez desormais",
        "dorenavant maintenant utilisateur usager mentionne cite citer sources forget always",
        "answer never",
    )
)

_QUALIFIED = (
    [  # "instructions système", "consigne cachée", "secret prompt"
        f"{noun} {kind}"
        for noun in _words(
            "instruction instructions consigne consignes commande commandes directive"
        )
        for kind in _words(
            "systeme initiale interne cache de+depart d'origine secret invisible masque"
        )
    ]
    + [f"directives {kind}" for kind in _words("cache secret invisible masque")]
    + [
        f"{kind} {noun}"
        for kind in ("secret", "invisible")
        for noun in _words("instruction prompt command")
    ]
)
ANCHOR_WORDS = [
    *_words(
        # orders to forget, and who they are given to
        "ignor oubli outrepass contourn ne+tiens ne+tenez ne+tenir abstraction disregard forget",
        "override bypass i.a intelligence gpt copilot bot llm language+model assistant",
        "systeme+automatis systemes+automatis",
        # time, roles, priority, makers
        "maintenant desormais dorenavant compter+de+maintenant compter+de+c henceforth from+now",
        "from+this+point",
        "nouveau+role new+role nouvelle+mission new+task plutot+que au+lieu+de a+la+place+de",
        "rather+than instead+of priorite+sur prioritaire+sur remplace+tes remplace+vos",
        "remplace+toutes remplace+your prevaut precedence supersede obei ne+suis+plus",
        "ne+suivez+plus",
        # the answer bent
        "reponds always only+answer only+respond only+reply only+say answer+only respond+only",
        "reply+only .+ne+ :+ne+ ;+ne+ !+ne+ ?+ne+ +cite +citing +citation n'indique",
        "+omet semblant comme+si pretend agis+comme comporte-toi joue+le+role in+your",
        "chaque+reponse each+answer each+reply each+response every+answer every+reply",
        "every+response",
        # the model's setup asked for, chat tags, jailbreaks
        "prompt message+systeme system+message system+instruction initial+instruction",
        "initial+prompt original+instruction hidden <| [inst [+inst [/inst [+/inst << #+system",
        "#system #+instruction #instruction <system <+system </system <+/system [system",
        '-+system -system =+system =system system+: system: systeme+: systeme: "role"',
        "system> system+> inst] inst+] jailbreak debride mode+dan anything+now unrestricted",
        "sans+filtre sans+restriction sans+limite sans+regle _ia -ia _ai -ai _llm -llm _bot",
        "-bot _gpt -gpt _modele -modele ia_ ia- ai_ ai- llm_ llm- gpt_ gpt-",
        # short words, with a space before them ("tu" is in "statut")
        "+tu+ +tu, +you +ta+ +tes+ +ton+ +te+ +t' +toi+ +toi, +toi. a+toi -toi",
    ),
    # -- second series (issue 15): one group per family, each word as narrow as its wording
    # what came before, the rules set aside
    *_words(
        "ce+qui+precede tout+ce+qui ne+prends ne+prenez ne+prendre ne+pas+tenir ne+plus+tenir",
        "table+rase mets+de+cote laisse+de+cote set+aside put+aside ne+fais+pas+attention",
        "the+above foregoing preceding previous prior+ sont+faux sont+tous sont+errone",
        "sont+obsolete sont+incorrect sont+invalide are+false are+wrong are+outdated",
        "are+invalid are+irrelevant are+fake t'ont+ete t'a+ete t'avaient+ete t'avait+ete",
        "you+were you+have+been you've+been apres+moi after+me n'ecoute n'obeis ne+crois",
        "ecoute-moi obeis-moi crois-moi listen+to+the+user obey+the+user trust+the+user",
        "repondre+a+la+question repondre+a+l' instead+of+answering instead+of+replying",
        "ne+tiens+compte+que ne+prends+en+compte+que ne+prends+compte+que ecoute+cette",
        "ecoute+ce ecoute+plutot",
    ),
    *(
        f"{noun} {kind}"
        for noun in _words("passages paragraphes extraits contexte contextes sources")
        for kind in _words("precedent ci-dessus anterieur qui+precedent fourni autres")
    ),
    *(
        f"{noun}{plural} {kind}"
        for noun in _words(
            "instruction consigne regle directive ordre prompt contrainte restriction"
        )
        for plural in ("", "s")
        for kind in _words("contraire divergent oppose existant")
    ),
    # who is addressed: tools and names, requests in the third person, labels
    *_words(
        "conversationnel generatif outil+de+recherche outils+de+recherche moteur+de+recherche",
        "moteurs+de+recherche indexeur crawler scraper summariser summarizer questions-reponse",
        "de+dialogue generateur+de+reponse generateurs+de+reponse generateur+de+texte",
        "generateurs+de+texte generateur+automatique generateurs+automatique outil+automati",
        "outils+automati logiciel+automati logiciels+automati programme+automati",
        "programmes+automati moteur+: moteur: moteur+, moteur, moteur! pour+toi a+toi+:",
        "a+toi, todo( todo+( note( note+( fixme hack( hack+( nb( nb+( quiconque+est",
        "quiconque+qui qui+que+ce+soit anyone whoever [assistant [+assistant [ia [ai",
    ),
    *(
        f"{quantity} {noun}"
        for quantity in _words("+tout +toute +chaque any every")
        for noun in _words("modele model robot moteur outil systeme system bot assistant ia")
    ),
    *(
        f"{noun}{plural} qui"
        for noun in _words("modele moteur outil robot")
        for plural in ("", "s")
    ),
    *(
        f"{adjective} {noun}{plural}{space}{mark}"
        for adjective in _words("nouvelle nouvelles new autre autres")
        for noun in _words("consigne instruction regle directive mission tache rule task")
        for plural in ("", "s")
        for space in ("", " ")
        for mark in ":,"
    ),
    *(
        f"{noun}{plural} {kind}"
        for noun in _words("outil logiciel moteur programme systeme application service")
        for plural in ("", "s")
        for kind in _words("de+synthese de+reponse de+resume")
    ),
    # orders to say, to hide, to answer in a set way
    *_words(
        "affirme+qu assure+qu certifie+qu jure+qu donne-l reponds fais+croire laisse+croire",
        "fais+comprendre laisse+comprendre fais+savoir laisse+savoir fais+penser laisse+penser",
        "fais+en+sorte arrange-toi -toi+ arrete+de+cit cesse+de+cit evite+de+cit stop+citing",
        "seule+source seules+source seule+reference only+source chacune+de+tes toutes+tes",
        "chaque+phrase chaque+paragraphe chaque+message chaque+ligne cache+les cache+tes",
        "et+rien+d'autre and+nothing+else quoi+qu whatever no+matter+what regardless+of+what",
        "voici+ta voici+tes voici+ton +asks +ask+ tell+ inform+ convince persuade do+not+",
        "don't+ never+ repete+le repete+tout repete+les repete+mot repete+integralement",
        "repete+apres repetez+apres recopie reproduis repeat+ print+ output+ reproduce",
        "imprime+ when+summari while+summari when+answering while+answering when+respond",
        "while+respond when+reply while+reply execute+l execute+c execute+the execute+this",
        "lance+la lance+les lance+cette lance+ce run+the run+this tell+anyone tell+anybody",
        "tell+the+user",
    ),
    *(
        f"{before}{verb}{after}"
        for before in (" ", "(", '"', "[")
        for verb in _words("dis ecris pretends conclus garantis promets")
        for after in (" qu", " a", "-l")
    ),
    *(
        f"{verb}{after}"
        for verb in _words(
            "affirme assure certifie jure indique annonce declare explique precise signale revele"
            " raconte confirme"
        )
        for after in (" a", "-l")
    ),
    *(f"n'{verb} que" for verb in _words("affiche cite montre utilise donne mentionne lis prends")),
    *(
        f"{link} ne {verb}"
        for link in _words("et mais puis")
        for verb in _words("mentionne cite dis revele evoque parle divulgue montre affiche")
    ),
    *(
        f"comme {kind}"
        for kind in _words(
            "une+instruction des+instruction instruction une+consigne consigne un+ordre"
            " une+commande une+directive un+prompt un+message+systeme"
        )
    ),
    *(f"as {kind}" for kind in _words("an+instruction instruction a+system system a+command")),
    # roles, makers, modes and filters
    *_words(
        "nouvelle+personnalite new+persona act+as+ behave+as roleplay dan+mode god+mode",
        "agis+en des+a+present partir+d'ici obey jouer+le+role joues+le+role incarne",
        "+imiter +imites",
        "te+faire+passer te+fais+passer je+suis+ton je+suis+ta i+am+your desactive+t",
        "supprime+t leve+t coupe+t contourne+t enleve+t disable+ remove+ turn+off lift+",
        "mode+sans+echec mode+securise mode+restreint mode+protege safe+mode sans+censure",
        "unfiltered",
    ),
    *(
        f"{verb} {tail}"
        for verb in _words("sont seront")
        for tail in _words("leve desactive suspendu annule")
    ),
    *(f"mode {kind}" for kind in _words(MODE_WORDS)),
    *(f"{kind} mode" for kind in _words("developer debug admin maintenance root god")),
    *(
        f"{noun}{plural} {link}system"
        for noun in _words("message note consigne instruction alerte avis commande")
        for plural in ("", "s")
        for link in ("", "du ")
    ),
    # conditions: "en lisant ce document, tu…"
    *(f" {verb} c" for verb in _words("lisant analysant resumant traitant indexant parcourant")),
    # a model by a name that also means a person or a thing: only in the compounds that
    # make it a model, or as the one addressed ("Modèle :", ", modèle,")
    *(
        f"{noun}{plural} {kind}"
        for noun in ("agent", "modele")
        for plural in ("", "s")
        for kind in _words("ia ai d'ia d' intelligent autonome de+lang linguisti generati")
    ),
    *(
        f"{noun}{plural}{space}{mark}"
        for noun in ("modele", "model", "boussole", "claude", "mistral", "llama", "gemini")
        for plural in ("", "s")
        for space in ("", " ")
        for mark in ",:!—–"
    ),
    *_QUALIFIED,
    # "ia" and "ai" as words only ("ia" is in "social", "ai" in "mai" and "j'ai")
    *(f"{before}ia" for before in " '(\"[/.:,«"),
    *(f"{before}ai{after}" for before in ' ("[«' for after in ' ,:.!?;)"»'),
    *(f"{before}ais " for before in ' ("[«'),
]


def _trie(words: list[str]) -> str:
    """One pattern for many words, their common starts shared ("ignor|oubli" and so on).

    Python's ``re`` tries the alternatives of a plain "a|b|c" one by one at each position;
    shared starts make the pass over a text about five times faster.
    """
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [
            re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(root)


ANCHORS = re.compile(_trie(ANCHOR_WORDS))
