"""The bot's own words in Japanese and English (answers come from the engine)."""

from __future__ import annotations

EXAMPLES = {
    "en": ["Where can I try gold leaf?", "What is Kutani ware?", "What is the target for annual overnight guests?"],
    "ja": ["金箔の体験はどこでできますか？", "九谷焼とは？", "金沢工芸子ども塾の受講者数は？"],
}

TEXTS: dict[str, dict[str, str]] = {
    "start": {
        "en": "Hello! I'm the Kanazawa craft guide. / こんにちは！金沢工芸ガイドです。\n\n"
        "I answer from Kanazawa's craft plans, the UNESCO Creative City texts and a directory of crafts, "
        "workshops and city programs, and I cite my sources. Ask in English or Japanese, or tap an example:",
        "ja": "こんにちは！金沢工芸ガイドです。/ Hello! I'm the Kanazawa craft guide.\n\n"
        "金沢の工芸関連の計画、ユネスコ創造都市の資料、工芸・工房・市の事業のディレクトリに基づいて、"
        "出典付きでお答えします。日本語でも英語でもどうぞ。例:",
    },
    "help": {
        "en": "Ask me anything about Kanazawa's crafts, where to see, buy or try them, city programs and plan "
        "figures. Commands:\n/crafts — the crafts of Kanazawa\n/try — hands-on experiences\n"
        "/programs — city programs\n/sources — what I know\n/lang — answer language\n/about — about this bot\n\n"
        "Hours and prices change: always check with the venue before visiting.",
        "ja": "金沢の工芸、見る・買う・体験できる場所、市の事業、計画の指標について何でもどうぞ。コマンド:\n"
        "/crafts — 金沢の工芸\n/try — 体験できること\n/programs — 市の事業\n/sources — 参照している資料\n"
        "/lang — 回答の言語\n/about — このボットについて\n\n営業時間や料金は変わります。訪問前に必ずご確認ください。",
    },
    "about": {
        "en": "An open-source guide to Kanazawa's crafts. Answers are built only from the indexed sources "
        "(see /sources); nothing is invented, and when the sources don't cover a question I say so. "
        "I keep only your chat id with your questions and feedback, to improve the guide.",
        "ja": "金沢の工芸についてのオープンソースのガイドです。回答は登録された資料（/sources）だけに基づき、"
        "推測はしません。資料にない場合はその旨をお伝えします。改善のため、チャットIDと質問・評価のみを保存します。",
    },
    "lang_prompt": {"en": "Which language should I answer in?", "ja": "回答の言語を選んでください。"},
    "lang_set_en": {"en": "I'll answer in English.", "ja": "I'll answer in English."},
    "lang_set_ja": {"en": "日本語でお答えします。", "ja": "日本語でお答えします。"},
    "lang_set_auto": {
        "en": "I'll answer in the language you write in.",
        "ja": "ご質問の言語でお答えします。",
    },
    "crafts_prompt": {"en": "The crafts of Kanazawa: tap one.", "ja": "金沢の工芸です。選んでください。"},
    "try_prompt": {
        "en": "Hands-on experiences: pick a craft.",
        "ja": "体験できる工芸を選んでください。",
    },
    "programs_prompt": {"en": "City programs: tap one.", "ja": "市の事業・取り組みです。選んでください。"},
    "sources_title": {"en": "What I answer from:", "ja": "回答の根拠にしている資料:"},
    "directory_line": {
        "en": "Directory: {crafts} crafts, {venues} places, {programs} programs, {kpis} plan indicators.",
        "ja": "ディレクトリ: 工芸 {crafts}件、施設 {venues}件、事業 {programs}件、計画の指標 {kpis}件",
    },
    "non_text": {
        "en": "I can only read text. Please type your question.",
        "ja": "文字のメッセージだけ読めます。ご質問を入力してください。",
    },
    "too_fast": {
        "en": "You're asking faster than I can answer well. Please wait a minute and try again.",
        "ja": "ご質問が続いています。1分ほどおいてから、もう一度お試しください。",
    },
    "unknown_command": {
        "en": "I don't know that command. Try /help.",
        "ja": "そのコマンドはありません。/help をご覧ください。",
    },
    "error": {
        "en": "Sorry, something went wrong on my side. Please try again in a moment.",
        "ja": "申し訳ありません。エラーが発生しました。少し時間をおいてもう一度お試しください。",
    },
    "truncated": {
        "en": "(Your message was long: I read the first 1,000 characters.)",
        "ja": "（長いメッセージのため、最初の1,000文字を読みました。）",
    },
    "thanks": {"en": "Thanks for the feedback!", "ja": "ご意見ありがとうございます！"},
    "admin_only": {
        "en": "This command is for the guide's staff only, in a private chat.",
        "ja": "このコマンドは管理者専用です（個別チャットでご利用ください）。",
    },
    "reingest_started": {
        "en": "Re-ingesting… I keep answering from the current index until the new one is complete.",
        "ja": "再取り込みを開始しました。新しい索引が完成するまで現在の索引で回答します。",
    },
    "reingest_failed": {
        "en": "Re-ingest failed; the previous index is still serving:",
        "ja": "再取り込みに失敗しました。以前の索引で回答を続けます:",
    },
    "no_unanswered": {"en": "No unanswered questions recently.", "ja": "最近の未回答の質問はありません。"},
    "no_coordinates": {
        "en": "No coordinates are recorded for this place; here is a map search for its address:",
        "ja": "この場所の座標は記録がありません。住所での地図検索です:",
    },
    "no_address": {
        "en": "No address is recorded for this place; please check its website.",
        "ja": "この場所の住所は記録がありません。ウェブサイトでご確認ください。",
    },
    "confidence_medium": {
        "en": "Based on secondary sources: check before visiting.",
        "ja": "二次情報に基づきます。訪問前にご確認ください。",
    },
    "confidence_low": {
        "en": "Unverified information: check before visiting.",
        "ja": "未確認の情報です。訪問前にご確認ください。",
    },
    "sources_label": {"en": "Sources", "ja": "出典"},
    "original_gone": {
        "en": "That original text is no longer in my sources (the documents have changed since).",
        "ja": "その原文は現在の資料にはありません（資料が更新されました）。",
    },
    "all_crafts": {"en": "All crafts", "ja": "すべての工芸"},
    "auto": {"en": "Auto (follow my messages)", "ja": "自動（メッセージの言語）"},
}


def t(key: str, lang: str, **values: object) -> str:
    text = TEXTS[key].get(lang) or TEXTS[key]["en"]
    return text.format(**values) if values else text
