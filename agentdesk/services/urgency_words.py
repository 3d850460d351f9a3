"""The word lists urgency scoring ships with (English and Turkish).

A shop adds its own language, or words, in the config file:

    [urgency.words.de]
    keywords = ["erstattung", "kaputt", "rückbuchung", "verletzt", "stornieren"]
    negative = ["enttäuscht", "inakzeptabel", "wütend", "katastrophe"]

Words match at the start of a word, so "refund" also finds "refunded" and "iade"
finds "iadesi"; case and accents are ignored (Turkish dotted and dotless i included).
"""

from __future__ import annotations

#: Words that name a costly problem: money back, damage, harm, leaving.
KEYWORDS: dict[str, list[str]] = {
    "en": [
        "refund", "money back", "broken", "damaged", "chargeback", "dispute", "injured", "injury",
        "hurt", "burned", "cancel", "lawyer", "legal action", "fraud", "scam", "stolen", "never arrived",
    ],
    "tr": [
        "iade", "para iadesi", "paramı geri", "kırık", "kırıl", "bozuk", "hasarlı", "ters ibraz",
        "itiraz", "yaralan", "yandı", "iptal", "avukat", "dava", "dolandır", "çalıntı", "gelmedi",
    ],
}

#: Words of an upset customer.
NEGATIVE: dict[str, list[str]] = {
    "en": [
        "unacceptable", "terrible", "awful", "horrible", "worst", "disappointed", "disappointing",
        "angry", "furious", "ridiculous", "disgusting", "useless", "joke", "never again",
        "third time", "still waiting", "nobody answers", "no one answers", "fed up", "complain",
    ],
    "tr": [
        "rezalet", "berbat", "kabul edilemez", "saçma", "hayal kırıklığı", "sinir", "kızgın",
        "en kötü", "bıktım", "şikayet", "hala bekliyorum", "cevap vermiyor", "yeter", "utanç",
    ],
}
