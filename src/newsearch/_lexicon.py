"""Word lists used by the stemmers and the stop filter, all in *normalized* spelling.

Kept as plain strings and turned into frozensets on first use (no work at import time).
"""

from __future__ import annotations

from functools import cache

# Lucene ArabicAnalyzer's default stopwords (Jacques Savoy's list, BSD licence; Lucene 4.7.2
# resources, tests/data/anchors/lucene_arabic_stopwords.txt), normalized, plus function words
# frequent in news text (conjunction/preposition + pronoun forms, auxiliaries, reporting glue).
LUCENE_STOPWORDS = """
من ومن منها منه في وفي فيها فيه و ف ثم او أو ب بها به ا أ اى اي أي أى لا ولا الا ألا إلا لكن ما
وما كما فما عن مع اذا إذا ان أن إن انها أنها إنها انه أنه إنه بان بأن فان فأن وان وأن وإن التى
التي الذى الذي الذين الى الي إلى إلي على عليها عليه اما أما إما ايضا أيضا كل وكل لم ولم لن ولن
هى هي هو وهى وهي وهو فهى فهي فهو انت أنت لك لها له هذه هذا تلك ذلك هناك كانت كان يكون تكون
وكانت وكان غير بعض قد نحو بين بينما منذ ضمن حيث الان الآن خلال بعد قبل حتى عند عندما لدى جميع
"""

NEWS_STOPWORDS = """
وقد فقد لقد وقال وقالت قال قالت ويقول يقول تقول واضاف واضافت اضاف اضافت
كما وكما ولكن لكنه لكنها لان لانه لانها كي لكي ان وان فان اذ اذا واذا
هذا وهذا هذه وهذه هذين هاتين هولاء ذلك وذلك تلك وتلك اولئك
الذي والذي التي والتي الذين والذين اللذين اللتين اللواتي
هم وهم هما وهن هن نحن انا انتم انتن
عليهم عليهما عليكم علينا عليك عنه عنها عنهم منهم منهما منكم منا
لهم لهما لكم لنا لي بي بك بهم بنا فيهم فيما مما عما ممن
الي والي حتى وحتى مع ومع عن وعن على وعلى في بين وبين امام
وراء تحت فوق دون ودون لدي لديه لديها لديهم عبر
اي وايضا وفقا ووفقا كذلك وكذلك ايضا فقط اما واما او ام بل ثم ومن
كان وكان كانت وكانت يكون تكون كانوا يكونوا ليس ليست لست وليس اصبح اصبحت صار ظل مازال لازال مايزال
قد وقد سوف لم ولم لن ولن لا ولا ما وما ماذا لماذا متي اين كيف كم هل
كل وكل بعض وبعض جميع غير سوي عده نفس ذات
الذي حيث وحيث بينما عندما وعندما منذ ومنذ خلال وخلال بعد وبعد قبل وقبل عند وعند نحو ضمن
ان انه انها انهم بانه بانها بان لانه
"""

# Names and words (without the article) that light stemming must leave whole: a suffix-like
# or prefix-like ending is part of the word. Foreign names of the period our corpora cover,
# countries, and frequent nouns whose final ون/ين/ي/ه/نا is radical.
PROTECTED = """
بوتين ترامب ماكرون كاميرون فلسطين بحرين صين تلفزيون قانون مليون ملايين يكون تكون
الله لله بالله والله فيينا روحاني ستالين لينين برلين ميركل
بنيامين كاثرين مارلين كارولين كارمين ديسالين كوربين كرملين ارجنتين بيتكوين بتكوين منوتشين
هيغواين بورودين فلبين امازون ليبرون اوباما اثنين جمعه
"""

# Words whose first letter is a radical و (so و is not the conjunction), as they look once
# suffixes are stripped.
WAW_INITIAL = """
وزير وزيره وزراء وزار وزاره وكال وكاله وكالات وطن وطني وطنيه وقت وفد وفود ولاي ولايه ولايات
واشنطن وسط وضع ولد وقف وجه وصل واقع وثيق وثيقه وثايق وسايل وسيل وفا وفاه وحد وحده وحدات ورق
ورقه وعد وقع ولي وصول وجود وكيل وظيف وظيفه وظايف وزن وادي وراء وفق وليد وليام ويليام وارسو
ويلز ويكيليكس واتساب ولاء وديع وديعه ودايع ورش ورشه واجب واجبات واضح وجهه وجهات وحيد
ورد ورود وفر وفير وقود وقايع وقايي وقاي وصف ومض ونيس ويب ويست وول وين
وقعت وقوع وصلت وجدت وافق واسع واسعه وارد واردات ودي وديه وحول وجهت
"""


@cache
def protected() -> frozenset[str]:
    return frozenset(PROTECTED.split())


@cache
def waw_initial() -> frozenset[str]:
    return frozenset(WAW_INITIAL.split())


@cache
def arabic_stopwords() -> frozenset[str]:
    """Lucene's list plus news function words, normalized with the default options."""
    from .normalize import normalize

    return frozenset(normalize(w) for w in (LUCENE_STOPWORDS + NEWS_STOPWORDS).split())


@cache
def lucene_stopwords() -> frozenset[str]:
    """Lucene's list normalized the way the ``lucene`` analyzer normalizes."""
    from .normalize import NormalizeOptions, normalize

    opts = NormalizeOptions.lucene()
    return frozenset(normalize(w, opts) for w in LUCENE_STOPWORDS.split())
