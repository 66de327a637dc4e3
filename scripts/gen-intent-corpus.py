#!/usr/bin/env python3
"""Generates the `generated` section of crates/intent/tests/data/intents-dev.tsv (issue 13).

Development data only: combines hand-written fragments from the categories of issue 13
(ways of addressing the bot, request frames, regional and SMS spellings, noun-phrase
requests, requests buried after other sentences, objects that are not the server,
negations, past and hypothetical talk, complaints, quotes and Discord markup, requests
for other bots) into labelled lines. Never reads the held-out split.

Usage: scripts/gen-intent-corpus.py > /tmp/generated.tsv (deterministic: fixed seed).
"""
import random
import re

rng = random.Random(13)

ADDR_PRE = [
    "<@BOT> ", "<@!BOT> ", "<@BOT>, ", "@CubeGuardian ", "CubeGuardian, ", "cubeguardian ",
    "yo le bot ", "yo le bot, ", "vas-y le bot ", "vas-y le bot, ", "hey bot ", "hé bot, ",
    "bot, ", "eh bot ", "salut <@BOT> ", "bonjour CubeGuardian, ", "wesh le bot ",
    "allez le bot, ", "dis le bot, ", "ok bot ", "<@BOT>\\n", "coucou <@BOT> ",
    "hello bot, ", "hey <@BOT>, ", "hi CubeGuardian, ", "bonsoir le bot, ", "<@BOT> yo ",
    "allo le bot, ", "Yo <@!BOT> ", "bot: ", "salut le bot, ",
]
ADDR_POST = [" <@BOT>", " CubeGuardian", " le bot", ", bot", " @CubeGuardian", " <@!BOT>", ", CubeGuardian"]

BEFORE = [
    "", "", "", "", "", "", "bon, ", "ok ", "allez ", "salut tout le monde ! ",
    "le vote est fini, c'est oui. ", "ça fait 10 minutes que ça rame. ",
    "j'ai tout essayé de mon côté. ", "désolé du dérangement, ", "<@OTHER> oui je gère. ",
    "c'est plate, ça gèle encore. ", "le serv est figé depuis tantôt. ",
    "on est 5 à attendre. ", "bon ben ", "hello la team. ", "alors voilà, ",
    "tout le monde est d'accord ? ", "bref, ", "sorry for the spam, ", "ok so ",
    "the server's been dying for an hour. ", "ça freeze de partout. ", "pfff ",
]

OBJ_FR = ["le serveur", "le serv", "mc", "minecraft", "le serveur minecraft", "le srv",
          "le serveur mc", "le serv mc", "le minecraft", "notre serveur", "le serveur de jeu"]
OBJ_EN = ["the server", "the mc server", "minecraft", "mc", "the minecraft server", "srv"]
TAIL_FR = ["", "", "", " stp", " svp", " s'il te plaît", " s'il vous plaît", " merci",
           " steuplé", " stp ça lag", " on est bloqués", " il a crash", " 🙏", " ça gèle",
           " tsé", " une fois", " plz", " please", " merci d'avance", " vite", " !!",
           " ça rame de ouf", " <:pepe:712345678901234567>", " pls c'est injouable",
           " on peut plus se co", " c'est plate", " ça joue ?", " asap", " ...", " 😭"]
TAIL_EN = ["", "", " please", " pls", " plz", " thx", " thanks", " asap", " it's lagging",
           " we're stuck", " it crashed", " 🙏", " real quick", " when you can"]

RESTART_IMP = ["redémarre", "relance", "reboot", "restart", "redem", "repars", "repart",
               "redemarre", "redémare", "redemmare", "relanse", "relence", "rebout",
               "restar", "rebot", "reebot", "redémarrre", "relancee", "rdm", "repar",
               "redmarre", "réamorce", "relaunch", "refresh"]
RESTART_INF = ["redémarrer", "relancer", "reboot", "restart", "repartir", "redemarrer",
               "relancé", "redémaré", "rebooter", "restarter", "relance", "redem"]
RESTART_NOUN = ["un reboot", "un restart", "une relance", "un redémarrage", "un petit reboot",
                "une petite relance", "un p'tit restart", "un redem", "un rédémarrage",
                "un ptit reboot", "un reboot rapide", "un redémarrage rapide"]
WAKE_IMP = ["allume", "démarre", "lance", "start", "part", "ouvre", "réveille", "alume",
            "demare", "démmarre", "starte", "boot", "allumme", "mets en route", "lance-moi",
            "ouvre-moi"]
WAKE_INF = ["allumer", "démarrer", "lancer", "start", "partir", "ouvrir", "réveiller",
            "alumer", "demarrer", "mettre en route", "booter"]
WAKE_NOUN = ["un allumage", "un démarrage", "un petit allumage", "un start", "un lancement"]
WAKE_EN = ["start", "turn on", "power on", "boot up", "fire up", "wake up", "spin up", "start up"]
RESTART_EN = ["restart", "reboot", "relaunch", "restart", "reboot", "rs"]

FRAMES_IMP = ["{v} {o}{t}", "{v} {o}{t}", "{v}{t}", "{v}-le{t}", "{v} moi {o}{t}",
              "{v} {o}, ça lag{t}", "{v} {o} on veut jouer{t}", "allez {v} {o}{t}",
              "envoye, {v} {o}{t}", "go {v} {o}{t}", "{v} {o} vite fait{t}",
              "**{v} {o}**{t}", "{V} {O}{t}", "{v} {o} tout de suite{t}"]
FRAMES_INF = ["tu peux {i} {o} ?{t}", "peux-tu {i} {o}{t}", "tu pourrais {i} {o} ?{t}",
              "pourrais-tu {i} {o} ?{t}", "ça te dérange de {i} {o} ?{t}",
              "serait-il possible de {i} {o} ?{t}", "est-ce que tu peux {i} {o}{t}",
              "tu veux bien {i} {o} ?{t}", "merci de {i} {o}{t}", "il faudrait {i} {o}{t}",
              "faut {i} {o}{t}", "tu sais {i} {o} ?{t}", "tu peux-tu {i} {o} ?{t}",
              "tu pourrais-tu {i} {o}{t}", "tu pe {i} {o}{t}", "tu peu {i} {o} ?{t}",
              "j'aimerais que tu puisses {i} {o}{t}", "ce serait cool de {i} {o}{t}",
              "tu serais chaud de {i} {o} ?{t}", "possible de {i} {o} ?{t}",
              "on peut {i} {o} ?{t}", "tu pourrais pas {i} {o} ?{t}",
              "est ce que tu pourrais {i} {o}{t}", "t'es capable de {i} {o} ?{t}",
              "tu me {i2} {o} ?{t}",
              # Formal requests.
              "pourriez-vous {i} {o} ?{t}", "auriez-vous l'amabilité de {i} {o} ?",
              "je vous serais reconnaissant de {i} {o}", "merci de bien vouloir {i} {o}",
              "veuillez {i} {o}, je vous prie", "serait-il envisageable de {i} {o} ?",
              "je me permets de vous demander de {i} {o}",
              "je vous prie de bien vouloir {i} {o}{t}"]
FRAMES_NOUN = ["{n}{t}", "{n} ?{t}", "{n} du serveur{t}", "{n} du serv ?{t}",
               "on peut avoir {n} ?{t}", "{n} serait possible ?{t}", "{n} stp{t}",
               "je voudrais {n}{t}", "g besoin d'{n2}{t}", "{n} ce serait top{t}",
               "{n} serait le bienvenu{t}", "{n} pour le serv{t}", "{n}, ça rame{t}",
               "je sollicite {n} du serveur", "{n} svp, merci bien", "juste {n}{t}",
               "{n} s'impose{t}", "{n} et ça repart{t}"]
FRAMES_EN = ["{v} {o}{t}", "please {v} {o}{t}", "can you {v} {o}?{t}", "could you {v} {o}{t}",
             "mind {g} {o}?{t}", "i need you to {v} {o}{t}", "{o} needs a {v}{t}",
             "go ahead and {v} {o}{t}", "would you {v} {o}?{t}", "kindly {v} {o}{t}",
             "could we get a {v}?{t}", "a {v} would be nice{t}", "{v} it{t}",
             "can u {v} {o}{t}", "pls {v} {o}{t}", "{v} le serv{t}", "{v} le serveur please{t}",
             "tu peux {v} le serv please{t}"]


def addressed(core, dm=False):
    if dm:
        return core
    r = rng.random()
    if r < 0.75:
        return rng.choice(ADDR_PRE) + core
    return core.rstrip(" ?!") + rng.choice(ADDR_POST) + (" ?" if core.endswith("?") else "")


def fr(frames, **kw):
    f = rng.choice(frames)
    o = rng.choice(OBJ_FR)
    t = rng.choice(TAIL_FR)
    v = kw.get("v", "")
    i = kw.get("i", "")
    if "{i2}" in f:
        # "tu me relances le serveur ?": a second-person present.
        f = f.replace("{i2}", {"redémarrer": "redémarres", "relancer": "relances",
                               "allumer": "allumes", "démarrer": "démarres",
                               "lancer": "lances", "alumer": "allumes",
                               "demarrer": "démarres", "ouvrir": "ouvres",
                               "réveiller": "réveilles", "partir": "pars"}.get(
                                   i, "relances" if kw.get("kind") == "restart" else "allumes"))
    # Upper case, but never "BOT": the corpus loader would read it as a mention.
    return f.format(v=v, V=v.upper().replace("BOT", "Bot"), o=o, O=o.upper(), i=i, n=kw.get("n", ""),
                    n2=kw.get("n", "")[3:] if kw.get("n", "").startswith("un ") else kw.get("n", ""),
                    t=t)


def gerund(v):
    return {"restart": "restarting", "reboot": "rebooting", "relaunch": "relaunching",
            "rs": "restarting", "start": "starting", "turn on": "turning on",
            "power on": "powering on", "boot up": "booting up", "fire up": "firing up",
            "wake up": "waking up", "spin up": "spinning up", "start up": "starting up"}[v]


def request(kind):
    if kind == "restart":
        imp, inf, noun, en = RESTART_IMP, RESTART_INF, RESTART_NOUN, RESTART_EN
    else:
        imp, inf, noun, en = WAKE_IMP, WAKE_INF, WAKE_NOUN, WAKE_EN
    r = rng.random()
    if r < 0.35:
        core = fr(FRAMES_IMP, v=rng.choice(imp))
    elif r < 0.65:
        core = fr(FRAMES_INF, i=rng.choice(inf), kind=kind)
    elif r < 0.8:
        core = fr(FRAMES_NOUN, n=rng.choice(noun))
    else:
        v = rng.choice(en)
        f = rng.choice(FRAMES_EN)
        core = f.format(v=v, g=gerund(v), o=rng.choice(OBJ_EN), t=rng.choice(TAIL_EN))
    return rng.choice(BEFORE) + core


# Things that are not the Minecraft server.
OTHER_OBJ = ["la partie", "la musique", "le débat", "ton frère", "mon pc", "la game", "spotify",
             "la vidéo", "la conversation", "le sondage", "le timer", "ma box", "le routeur",
             "ton cerveau", "Discord", "le serveur Discord", "le serveur TeamSpeak",
             "le bot musique", "MEE6", "Rythm", "le serveur de Kevin", "le serv ARK",
             "ma vie", "la lumière", "ta tête", "mon launcher", "le pc de mon frère",
             "la playlist", "le stream", "le chrono", "la manche", "le match", "le quiz",
             "ton ordi", "le wifi", "mon téléphone", "la radio", "le serveur valheim",
             "le serveur terraria", "ta box", "le vote", "le tournoi", "la discussion",
             "mon jeu", "le compteur", "la map", "le modpack", "<@OTHER>", "Jean", "ma soeur",
             "le chat", "le bot de musique", "Dyno", "le serveur rust", "ma console"]
OTHER_OBJ_EN = ["the song", "my pc", "the music bot", "the match", "the poll", "the game",
                "the timer", "my router", "the playlist", "the discord server", "my brother",
                "the stream", "the video", "the round", "the valheim server", "yourself",
                "your brain", "the lights"]

NONE_TEMPLATES = [
    # Negations and blocks.
    "ne {v} pas {o}", "{v} pas {o} stp", "pas de {n} stp", "surtout pas de {n}",
    "ne {v} surtout pas {o}, je build", "arrête de {i} {o}", "stop les {n2}s",
    "faut pas {i} {o}", "pas besoin de {i}", "non ne {v} pas", "n'{i2} pas {o}",
    "{v} pas maintenant, on est dans le nether", "évite de {i} {o} ce soir",
    "annule le {n2}", "pas la peine de {i}", "plus besoin de {n2}, ça remarche",
    # Past.
    "t'as {p} {o} ?", "tu as {p} {o} hier ?", "le serveur a {p} ce matin", "j'ai {p} {o}",
    "qui a {p} {o} ?", "pourquoi t'as {p} {o} ?", "{o} a été {p}", "déjà {p}, merci",
    "tu avais {p} à quelle heure ?", "on a {p} tout à l'heure",
    # Hypothetical, future, habits.
    "si ça plante, tu pourras {i} {o} ?", "demain faudra peut-être {i} {o}",
    "au cas où, faudra {i} {o} ce soir", "tu {v}s {o} toutes les nuits ?",
    "je {v} {o} dans 5 minutes", "on verra pour {n} plus tard", "{n} c'est à quelle heure ?",
    "ça aurait été bien de {i} avant", "tu aurais dû {i} {o}", "je vais {i} {o} moi-même",
    # Complaints, commentary.
    "\"{v} {o}\" qu'ils disent, pfff", "{v}-le qu'ils disent…", "encore {n} ? sérieux",
    "j'en ai marre des {n2}s", "à chaque fois c'est {n2} {n2} {n2}",
    "toujours {n} à 20h, c'est relou", "ton {n2} m'a déco", "ton {n2} m'a fait perdre mon stuff",
    "le {n2} de ce matin a tout réglé", "{n2} réussi", "bien joué pour le {n2}",
    "mdr {v} {o}, comme si c'était si simple", "quand on dit {v}, tu {v}s, c'est ça ?",
    "un {n2} ça prend combien de temps ?", "le {n2} c'est long ?",
    # Quotes and markup.
    "`{v} {o}`", "la commande c'est `{v} {o}` ?", "quelqu'un a écrit `{v} {o}` lol",
    "> {v} {o}\\nc'est qui qui a écrit ça", "||{v} {o}|| jk", "{v} {o}... non je rigole",
    "{v} {o} lol non je plaisante", "> <@BOT> {v} {o}\\nça marchait avant ça",
    "\"{v} {o}\" c'est ce que j'allais dire", "le mot \"{n2}\" me fait peur",
    "*{v} {o}* qu'il dit", "{n2} ? non c'est bon en fait", "{v}... ah non c'est revenu",
    "il plante tout le temps, {v}-le qu'ils disent", "\"{v}\" par-ci, \"{v}\" par-là",
    "les gens qui crient {v} à chaque lag...", "et après ils disent {v} {o} mdr",
    "tout le monde dit {v} {o} mais personne joue", "lol {n2} encore",
    "les {n2}s c'est ma vie", "ptdr le {n2} en plein combat", "vive les {n2}s",
    "je sais pas si {i} {o} servirait", "est-ce qu'un {n2} aiderait ?",
    "merci d'avoir {p} {o}", "merci pour le {n2}", "thanks for the {n2}",
    "c'était quoi le {n2} de midi ?", "quand est le prochain {n2} ?",
    "le {n2} automatique c'est quand ?",
]


STATUS = [
    "le serveur est allumé ?", "le serv est up ?", "c'est up ?", "c'est ouvert ?",
    "y a du monde ?", "y a qui sur le serv ?", "qui est connecté ?", "le serveur tourne ?",
    "ça tourne le serv ?", "il est on le serv ?", "le serv est-tu ouvert ?",
    "y'é tu parti le serveur ?", "est-ce que le serveur est en ligne ?", "status", "statut du serv",
    "état du serveur ?", "combien de joueurs ?", "t'as des nouvelles du serv ?",
    "le serveur répond ?", "is the server up?", "who's on?", "server status", "is mc running?",
    "anyone online?", "tu peux me dire si le serveur est allumé ?", "dis-moi si le serv tourne",
    "tu peux checker si le serveur est up ?", "check le serv", "on peut se co là ?",
    "je peux me connecter ?", "le serveur est down ?", "c'est on ou off ?",
    "il marche le serveur ?", "le serveur fonctionne ?", "c on ?", "le serv est dispo ?",
    "c ouvert ?", "ya du monde sur mc ?", "le serveur est-il allumé ?", "mc est up ?",
    "le serv est en ligne ou pas", "ça marche le serv en ce moment ?", "statu du serveur",
    "is it online", "how many players are on?", "what's the status", "is anyone playing?",
    "le serveur il est allumé ou éteint ?", "tu me dis si c'est ouvert ?",
    "y est-tu ouvert, le serveur ?", "le serveur est tu parti ?", "qui joue là ?",
    "combien on est sur le serv ?", "ya qqn sur le serv", "le serv marche tu ?",
]
HELP = [
    "aide", "aide-moi", "help", "t'as quoi comme commandes ?", "c'est quoi tes commandes ?",
    "tu fais quoi ?", "tu sers à quoi ?", "comment tu marches ?", "comment on t'utilise ?",
    "liste tes commandes", "montre-moi les commandes", "what can you do?", "commands?",
    "how do you work?", "how do i use you", "c koi tes commandes", "kes tu sais faire ?",
    "tu sais faire quoi ?", "comment ça marche avec toi ?",
    "je fais comment pour relancer avec toi ?", "comment je te demande un restart ?",
    "t'es quoi comme bot ?", "explique-moi tes commandes", "mode d'emploi stp", "à quoi tu sers ?",
    "quelles commandes tu comprends ?", "t'as un help ?", "guide stp", "tu peux m'aider ?",
    "c'est quoi ton rôle ?", "what are you for?", "what commands do you have?",
    "comment on fait pour allumer le serveur avec toi ?", "t'as une liste de commandes ?",
    "tu comprends quoi comme phrases ?", "how does this bot work", "help pls", "aled",
    "je suis perdu, tu fais quoi ?", "tu peux faire quoi pour nous ?",
]
CHAT = [
    "il tourne, merci", "merci du coup de main", "merci pour l'aide", "thanks for the help",
    "le serveur est allumé, merci", "c'est bon il marche", "nickel ça tourne", "ok il est up",
    "le serveur lag", "ça lag", "ça gèle", "j'ai crash", "mon jeu a crash", "ok", "oui vas-y",
    "fais-le", "go", "confirme", "yes", "non", "d'accord", "ok fais-le", "vas-y fais-le",
    "ouais", "yep do it", "nan laisse", "merci", "merci beaucoup", "t'es top", "gg", "lol",
    "mdr", "bonne nuit", "salut", "bonjour", "coucou", "ça va ?", "t'es vivant ?",
    "t'es réveillé ?", "tu dors ?", "je t'aime bien", "bot nul", "t'es lent",
    "je reviens", "brb", "afk 5 min", "je lance mon jeu", "je redémarre mon pc", "je reboot ma box",
    "je relance minecraft de mon côté", "mon launcher plante", "j'arrive pas à me co",
    "il est reparti, merci", "ça remarche", "super merci", "parfait", "top", "cool",
    "<:pepeok:712345678901234567>", "👍", "😂", "ok merci", "bien reçu", "c'était rapide",
    "on joue ce soir ?", "qui est chaud pour un raid ?", "j'ai trouvé des diamants",
    "le serveur est trop bien", "la 1.21 est sortie", "faut que j'aille manger",
    "ok c'est noté", "ah ok", "d'acc", "merci le bot", "t'es un bon bot", "bravo",
    "https://minecraft.net", "regarde ça https://youtu.be/abc123", "!play lofi", "/skip",
    "-p despacito", "!rank", "/ban <@OTHER>", "donne-moi des diamants", "tp moi au spawn",
    "mets la nuit", "op moi", "ban <@OTHER>", "ferme le serveur", "éteins le serveur",
    "stop le serveur", "shutdown", "kick <@OTHER>", "whitelist Jean", "fais une backup",
    "mets à jour le serveur", "installe optifine", "reset la map", "wipe le serveur",
    "merci, ça marche nickel", "oui", "non merci", "plus tard", "laisse tomber",
    "c'est bon, pas besoin", "annule", "cancel", "never mind", "no thanks", "thx", "ty",
    "good bot", "bad bot", "what?", "hein ?", "quoi ?", "??", "...",
]
ABOUT_BOT = [
    "le bot a encore tout relancé", "le bot redémarre le serveur toutes les nuits",
    "CubeGuardian a relancé le serveur", "CubeGuardian vient de reboot",
    "le bot relance quand on lui demande", "c'est le bot qui a reboot ?",
    "faut demander au bot de relancer", "demande au bot un restart",
    "dis au bot de redémarrer le serv", "le bot va relancer, t'inquiète",
    "j'ai demandé au bot de relancer", "le bot a allumé le serveur", "le bot est down ?",
    "il marche le bot ?", "le bot répond plus", "CubeGuardian est en train de redémarrer",
    "mdr le bot qui relance tout", "si tu dis relance au bot il le fait",
    "le bot devrait relancer le serveur", "quelqu'un peut demander au bot d'allumer ?",
    "the bot restarted the server again", "ask the bot to restart it",
    "the bot should reboot it", "CubeGuardian rebooted the server lol",
    "le bot a démarré le serv tout seul", "bot de merde il a encore reboot",
"pour relancer faut taper @CubeGuardian relance",
    "le bot il sert à relancer le serveur", "le bot a planté ?",
]
Q_TAIL = ["", "", "", "", " stp", " svp", " merci", " <:thinking:712345678901234567>", " 🤔",
          " please", " ?"]


def none_line():
    r = rng.random()
    v, i, p, n = rng.choice([
        ("redémarre", "redémarrer", "redémarré", "un restart"),
        ("relance", "relancer", "relancé", "une relance"),
        ("reboot", "reboot", "reboot", "un reboot"),
        ("restart", "restart", "restart", "un restart"),
        ("redem", "redem", "redem", "un redémarrage"),
        ("repars", "repartir", "reparti", "un redémarrage"),
    ])
    n2 = n.split(" ", 1)[1]
    if r < 0.45:
        f = rng.choice(NONE_TEMPLATES)
        o = rng.choice(OBJ_FR)
        core = f.format(v=v, i=i, i2=i.lstrip("r").join(["r", ""]) if False else i, p=p, n=n,
                        n2=n2, o=o)
    elif r < 0.8:
        vv = rng.choice(RESTART_IMP[:12] + WAKE_IMP[:8])
        ii = rng.choice(RESTART_INF[:6] + WAKE_INF[:6])
        o = rng.choice(OTHER_OBJ)
        core = rng.choice([
            f"{vv} {o}", f"{vv} {o} stp", f"tu peux {ii} {o} ?", f"{vv} {o} svp",
            f"peux-tu {ii} {o}", f"{vv} {o}, ça bug", f"faut {ii} {o}", f"{vv} {o} une fois",
            f"allez {vv} {o}", f"tu pourrais {ii} {o} ?",
        ])
    else:
        vv = rng.choice(RESTART_EN + WAKE_EN)
        o = rng.choice(OTHER_OBJ_EN)
        core = rng.choice([f"{vv} {o}", f"please {vv} {o}", f"can you {vv} {o}?",
                           f"{vv} {o} pls", f"could you {vv} {o}"])
    return core


# Hand-written cores from the categories of issue 13, second round (development only):
# each is combined with addresses below, so the model learns the request, not the frame.
HAND_RESTART = [
    # Québec and spoken French.
    "envoye, relance-moi ça", "fais repartir le serveur", "fais-le repartir stp",
    "fais redémarrer le serv", "relance donc le serv",
    "redémarre-lé donc", "tu peux-tu le r'lancer ?", "r'lance le serv", "r'part le serveur",
    "c'est plate, ça gèle. relance-le", "ça gèle ben raide, redémarre le serveur",
    "y'é gelé, relance-le donc", "check, relance donc mc", "envoye donc un reboot",
    "donne un coup de reboot au serveur", "un coup de relance stp", "mets un coup de restart",
    "fais-moi un reboot du serv", "fais un restart", "fais un redémarrage stp",
    "relance-nous ça", "redémarre-nous le serveur", "relance-moi le srv", "reboot-moi mc",
    "allez hop, un reboot", "vas-y relance", "vas-y reboot le serv", "go reboot",
    "go restart mc", "on relance ?", "on reboot le serv ?", "on peut relancer ?",
    # SMS and clipped spellings.
    "tu pe relancé le serv stp", "rdmr le serv", "relanc le serv", "relans le srv",
    "redemar le serv", "rédem stp", "relanc mc plz", "tpx relancer ?", "tu peu rdm ?",
    "stp relance", "reboot stp", "restart plz", "rstart le serv", "rebbot mc", "relannce",
    "redémar le serveur", "redémarrrre", "tu px reboot ?", "reboot svp mrc", "relanceee",
    "tu peux relancer stp jpp", "reboot le serv pls g lag", "c mor, relance", "relance stp c bloqué",
    # Noun phrases.
    "une petite relance ?", "un reboot svp", "reboot ?", "restart ?", "petit restart ?",
    "un redémarrage serait le bienvenu", "ce serait pour un reboot", "possible d'avoir un restart ?",
    "un reboot ça serait possible ?", "reboot svp merci", "demande de redémarrage du serveur",
    "petite relance du serv stp", "un reboot du serveur please", "restart du serv ?",
    "relance du serveur svp", "redémarrage du serveur stp", "un petit coup de reboot ?",
    "on aurait besoin d'un reboot", "besoin d'un restart", "urgent : reboot du serveur",
    # Formal.
    "bonjour, serait-il possible de procéder à un redémarrage du serveur ? merci",
    "je vous saurais gré de bien vouloir relancer le serveur", "veuillez redémarrer le serveur",
    "auriez-vous l'obligeance de redémarrer le serveur Minecraft ?",
    "pourriez-vous relancer le serveur, s'il vous plaît ?",
    "je sollicite un redémarrage du serveur, merci par avance",
    # Buried after other sentences.
    "bon ça fait une heure qu'on galère, le tp marche plus, les mobs spawnent pas. relance le serveur stp",
    "salut ! j'espère que tu vas bien. on a un souci, tout est figé. tu peux redémarrer ?",
    "on a voté à 6 contre 1 pour un reboot. vas-y",
    "le vote est passé. relance",
    "personne peut poser de blocs, les coffres s'ouvrent plus, bref c'est cassé. reboot stp",
    "j'ai essayé de me déco reco trois fois, rien à faire. tu peux relancer le serveur ?",
    "ok j'ai prévenu tout le monde sur le général, ils ont tous sauvegardé. redémarre",
    "Kevin a dit qu'il était d'accord et Léa aussi. relance le serveur",
    "désolé de déranger encore, mais le serv rame de fou depuis midi. un reboot ?",
    "hello, petite question puis une demande : vous êtes combien ce soir ? et sinon relance le serv stp",
    "les gars sont tous déco de toute façon, tu peux reboot",
    "ça lag, ça freeze, ça crash. bref : restart",
    # English and franglais.
    "server's frozen, restart it please", "can you give the server a kick? it's stuck",
    "the server needs a reboot", "reboot pls it's lagging hard", "restart mc real quick",
    "do a restart", "do a reboot pls", "give it a restart", "hit restart on the server",
    "quick reboot?", "a restart please", "yo restart the thing, it's frozen",
    "le serv est frozen, reboot it", "fais un reboot du server please", "can u relance le serv",
    "restart le serveur it's laggy", "please do a quick restart of the mc server",
]
HAND_WAKE = [
    "part le serveur", "pars le serv stp", "fais partir le serveur", "peux-tu partir le serveur ?",
    "tu peux-tu partir mc ?", "envoye, part le serveur", "ouvre le serveur stp",
    "allume le serv on veut jouer", "démarre le serveur svp", "lance le serveur minecraft",
    "mets le serveur en marche", "mets en route le serveur", "allume-le stp", "démarre-le",
    "le serveur est éteint, allume-le", "c'est fermé, tu peux ouvrir ?", "allume mc",
    "alume le serv", "alum le srv plz", "démar le serv", "démare mc stp", "lance mc",
    "wake up the server", "turn the server on please", "boot the server", "start mc pls",
    "power on the server", "fire up the mc server", "start the server, it's off",
    "un démarrage du serveur svp", "un allumage stp", "on peut avoir le serveur allumé ?",
    "le serv est off, démarre-le", "ouvre-nous le serveur", "allume-nous mc stp",
    "réveille le serveur", "réveille le serv stp", "réveille mc", "sors le serveur du dodo",
    "on veut jouer, allume le serveur", "bonsoir, serait-il possible d'allumer le serveur ?",
    "pourriez-vous démarrer le serveur, s'il vous plaît ?", "start le serv stp",
    "on a fini de manger, tu peux lancer le serveur ?", "il est éteint. démarre-le svp",
    "allume le serveur mc, on est trois à attendre", "boot up mc please", "spin up the server",
]
HAND_STATUS = [
    "le serv est-tu parti ?", "y'é-tu ouvert le serveur ?", "est-ce que le serveur roule ?",
    "ça roule le serveur ?", "le serveur est-il en ligne ?", "le serveur est ouvert ?",
    "y a-t-il du monde connecté ?", "qui est en ligne ?", "c'est allumé ?", "c'est éteint ?",
    "le serveur est en route ?", "t'as le statut du serv ?", "état du serv stp",
    "le serv il est up ou pas", "le serveur répond-il ?", "is mc up?", "is the server on?",
    "server up?", "who's playing right now?", "how many people are on?",
    "est-ce que je peux me connecter là ?", "c'est jouable là ?", "ça marche là le serv ?",
    "on est combien connectés ?", "y a qqn ?", "le serv est en vie ?", "il est vivant le serveur ?",
]
HAND_HELP = [
    "t'as quoi comme commandes ?", "tu fonctionnes comment ?", "t'es quoi toi ?",
    "c'est quoi ce bot ?", "qu'est-ce que tu sais faire ?", "tu peux faire quoi ?",
    "comment on te parle ?", "je te demande comment un redémarrage ?",
    "comment je fais pour allumer le serv avec toi ?", "quelles sont tes commandes ?",
    "tu réponds à quoi ?", "c'est quoi les mots que tu comprends ?", "what do you do?",
    "what are your commands?", "how do i ask you to restart?", "help me use this bot",
    "explique-moi comment tu marches", "à quoi tu sers au juste ?", "t'es un bot de quoi ?",
    "tu sers à quoi toi ?", "montre l'aide", "affiche l'aide", "commandes", "menu",
]
HAND_NONE = [
    # Objects that are not the server.
    "lance la partie", "relance le débat", "réveille ton frère", "relance la musique stp",
    "démarre le vote", "lance le dé", "lance une partie de uno", "relance la conversation",
    "allume la lumière", "allume ta cam", "ouvre la porte", "start the round",
    "restart the song", "reboot your brain lol", "relance ta question", "relance Kevin il répond pas",
    "réveille Jean", "redémarre ton cerveau", "lance le chrono", "relance le minuteur",
    "démarre le stream", "lance la vidéo", "relance la vidéo", "allume la télé",
    "relance mon launcher", "redémarre mon ordi", "reboot le pc de Jean", "reboot ma box",
    "relance le bot musique", "restart the music bot", "relance spotify", "relance la playlist",
    "lance le quiz", "démarre la manche", "start the timer", "reboot my router",
    "réveille les autres", "réveille Kevin stp", "relance le sujet", "lance le tournoi",
    "redémarre la game", "relance la game", "relance une game", "lance une game de bedwars",
    "relance la map", "allume le feu", "ouvre le coffre", "relance ton pc",
    "réveille-le, il dort sur son clavier", "relance le serveur Discord", "redémarre le serveur TeamSpeak",
    "dis à MEE6 de relancer la musique", "demande à Rythm de relancer la chanson",
    # Statements, thanks, answers to the bot.
    "il tourne, merci", "merci du coup de main", "merci de ton aide", "le serveur est up, cool",
    "ok c'est allumé", "c'est reparti, merci", "top il est revenu", "il marche, nickel",
    "ok fais-le", "oui vas-y", "vas-y go", "oui", "ouais fais-le", "yes do it", "confirmé",
    "non pas maintenant", "non attends", "attends 5 min", "pas tout de suite", "ok merci bien",
    "c'est bon tout marche", "ah il est déjà allumé", "le serveur tourne bien",
    "il est allumé le serveur, tout va bien", "il tourne nickel depuis ce matin",
    # The bot as subject, talk about the bot.
    "le bot a encore tout relancé", "le bot relance le serveur tout seul", "CubeGuardian a redémarré mc",
    "le bot redémarre quand on lui demande gentiment", "le bot a allumé le serv ce matin",
    "CubeGuardian relance tout le temps pour rien", "c'est le bot qui gère les reboots",
    # Complaints, commentary with an imperative inside.
    "il plante tout le temps, relancez-le qu'ils disent…", "relance relance, c'est tout ce que vous savez dire",
    "redémarre-le qu'il dit, comme si c'était magique", "ouais ouais 'reboot le serv', on connaît",
    "à chaque lag c'est 'relance le serveur'", "\"redémarre\" par-ci, \"redémarre\" par-là",
    "les gens qui spamment reboot à chaque lag", "redémarrer c'est pas la solution à tout",
    "relancer le serveur ça règle rien", "un reboot ça sert à rien, c'est le mod qui bug",
    "ça sert à quoi de relancer si ça replante", "quand je dis relance, c'est une blague",
    # Quoted and hidden.
    "`relance le serveur`", "```redémarre le serveur```", "> relance le serveur\\nquelqu'un a écrit ça ?",
    "||relance le serv||", "> reboot mc\\nlol", "tape `reboot` pour relancer", "c'est quoi la diff entre `restart` et `reboot` ?",
    # Past, hypothetical, negated.
    "t'as relancé le serveur ?", "tu l'as redémarré quand ?", "t'aurais pas dû relancer",
    "si ça replante, relance-le", "si quelqu'un demande, ne relance pas", "relance pas stp",
    "ne redémarre surtout pas", "pas de reboot, je suis en train de build", "pas de restart ce soir",
    "don't restart, i'm building", "no reboot please", "never restart during the event",
    "ne l'allume pas", "n'allume pas le serveur", "pas besoin d'allumer",
]


# Third round (issue 13): requests after a remark, and restarts spoken of rather than asked.
HAND3_RESTART = [
    "pas de souci, relance le serveur", "ça lag, redémarre", "il faudrait redémarrer le serveur, ça lag",
    "il faudrait que tu redémarres le serveur", "time for a restart, please do it",
    "ok c'est le moment, relance", "bon ben vas-y, redémarre", "c'est injouable, reboot",
    "tout le monde est prêt, tu peux relancer", "on a tous sauvegardé, redémarre le serveur",
    "j'ai prévenu les autres, reboot stp", "c'est encore figé. relance stp", "ça rame, relance mc",
    "personne arrive à se co, restart le serv", "le serveur ne répond plus, redémarre-le",
    "kick tout le monde et redémarre le serveur", "relancer mc svp ça plante",
    "il faut relancer le serveur stp", "faudrait reboot le serv là", "ce serait bien de relancer",
    "le serveur est mort, relance-le", "mc a crash, relance", "ça a crash, redémarre stp",
    "please, restart it now", "it's frozen, restart please", "we're all stuck, reboot the server",
    "everyone agreed, go ahead and restart", "the server is dead, restart it",
]
HAND3_NONE = [
    "je me suis fait kick par ton reboot", "ton restart m'a déco", "le restart de ce matin a tout cassé",
    "pendant le reboot j'ai perdu mon stuff", "après le restart ça marchait mieux",
    "on s'en fiche du restart", "le reboot d'hier a duré longtemps", "ce reboot était inutile",
    "can players restart the server?", "est-ce que les joueurs peuvent redémarrer le serveur ?",
    "on m'a dit que tu pouvais redémarrer le serveur", "Kevin dit que tu relances le serveur chaque nuit",
    "les modos peuvent reboot le serv ?", "il paraît que tu sais relancer le serveur",
    "tu relances le serveur à quelle heure d'habitude ?", "tu redémarres souvent ?",
    "did you restart it?", "who restarted the server?", "the restart fixed it", "thanks for restarting",
    "why did you reboot?", "your reboot kicked me", "the last restart broke my farm",
    "merci pour la relance", "merci d'avoir relancé", "bien vu le reboot", "le reboot a marché, merci",
    "t'as bien fait de relancer", "c'est toi qui as relancé ?", "tu viens de redémarrer ?",
    "je crois que le serveur redémarre tout seul", "le serveur redémarre en boucle",
    "mc redémarre toutes les 5 minutes, c'est normal ?", "ça relance à chaque crash ?",
    "relancer ça sert à rien si le mod bug", "un restart ne changera rien", "le restart c'est pas magique",
    "je relance mon jeu", "je redémarre ma box et je reviens", "attends je reboot mon pc",
    "on relance une partie ?", "on relance la game ?", "relance la partie, on a perdu",
    "Jean veut relancer le serveur", "Léa demande un restart", "les autres veulent un reboot, t'en penses quoi <@OTHER> ?",
    "quand tu relances, préviens avant", "si tu redémarres, préviens", "redémarre pas sans prévenir",
    "avant de relancer, attends que je sorte du nether", "attends, relance pas tout de suite",
]


# Fourth round (issue 13): English and franglais, requests inside multi-line messages,
# the bot's name before the politeness, and third-person statements.
HAND4_RESTART = [
    "est-ce que tu peux relancer le serveur ?", "est-ce que tu pourrais redémarrer mc ?",
    "ok tu peux relancer maintenant", "c'est bon, tu peux reboot", "relance-le", "redémarre-le",
    "reboot-le stp", "j'ai besoin que tu redémarres le serveur", "il faut que tu relances le serv",
    "hey, could you restart the server? thanks", "restart please, it's stuck again",
    "the server froze, can you reboot it?", "pls reboot, nobody can join", "reboot it pls",
    "could you please restart minecraft", "need a restart here", "restart asap, we're all lagging",
    "mind giving the server a reboot?", "would you mind restarting the server?",
    "can we get a quick restart?", "we need a reboot please", "reboot now please",
    "le serv freeze, tu peux le restart ?", "restart le serv stp it's laggy af",
    "tu peux reboot stp", "go reboot le serveur", "reboot le serv, ça spawn plus rien",
    "salut\\nle serv est figé\\nrelance-le stp", "le serveur répond plus\\ntu peux relancer ?",
    "ok\\nreboot\\nmerci", "hello !\\nun petit reboot svp\\nbonne soirée",
    "coucou, j'espère que tu vas bien\\nle serveur lag énormément depuis une heure\\nun redémarrage serait possible ?",
    "bonjour, on est plusieurs à ne plus pouvoir se connecter depuis tout à l'heure, serait-il possible de relancer le serveur ? merci beaucoup",
    "je sais pas ce qui se passe mais tout est bloqué, même le chat. tu peux redémarrer ?",
    "bon je vais pas y aller par quatre chemins : relance le serveur",
    "merci d'avance, relance le serveur quand tu peux", "quand tu peux, relance le serv",
    "dès que possible, redémarre mc stp",
]
HAND4_NONE = [
    "est-ce que tu as relancé le serveur ?", "est-ce que le serveur a redémarré ?",
    "est-ce qu'il faut relancer ?", "tu peux relancer quand tu veux, mais pas ce soir",
    "le serveur relance tout seul", "il redémarre là", "ça redémarre tout seul chaque nuit",
    "le serveur vient de redémarrer", "minecraft a redémarré", "it's restarting now",
    "it restarted by itself", "the server reboots every night", "mc is rebooting",
    "hey Rythm restart the song", "<@OTHER> relance la musique", "MEE6 relance la playlist",
    "reboot ton ordi <@OTHER>", "redémarre ton pc et réessaie", "essaie de relancer ton jeu",
    "relance ton launcher, ça devrait marcher", "restart your game and try again",
    "have you tried turning it off and on again?", "t'as essayé de redémarrer ton pc ?",
    "redémarrer son pc ça règle tout", "tu devrais relancer ton client",
    "je vais relancer le jeu", "je reboot et je reviens", "on relance une manche ?",
    "le bot redémarre le serveur si on lui demande", "le bot sait relancer le serveur",
    "tu sais que tu peux relancer le serveur ?", "rappel : pour relancer, demandez au bot",
    "restart le serveur ? bonne idée mais pas maintenant", "un reboot ? non merci",
    "relancer ? pas besoin, ça remarche", "ok pas de restart alors",
    "j'ai dit relance, pas redémarre lol", "j'écris relance et rien ne se passe",
]


# Fifth round (issue 13), written from its categories in general terms: Belgian, Swiss and
# Québec French, gaming slang, requests after a greeting, a vote or an explanation, the
# bot called mid-sentence or last, Discord markup around a request, replies to the bot's
# own question, the bot or another bot as the subject, and statements that are not asks.
HAND5_RESTART = [
    "dis, tu saurais relancer le serveur une fois ?", "allez, relance-moi ça une fois",
    "ça bug grave, tu peux relancer vite fait ?", "ça joue pas, le serveur est bloqué, relance stp",
    "le serveur il est tout gelé, tu peux le repartir ?", "coudonc, le serv est gelé, relance-le",
    "ça lague en tabarnak, redémarre le serveur", "le serveur est gelé ben dur, r'lance-le donc",
    "peux-tu redémarrer le serveur, il est tout bloqué", "pourrais-tu r'partir le serv ?",
    "le tps est à 5, reboot stp", "y a un rollback de ouf, restart le serv",
    "les mobs freezent, un p'tit reboot ?", "on a 3000 de ping, relance le serv",
    "le serv est laggy de fou, reboot pls", "chunks qui chargent plus, restart svp",
    "tps dans les chaussettes, relance", "ça desync à mort, un restart stp",
    "bonsoir tout le monde ! bon, le serveur rame. tu peux le relancer ?",
    "résultat du vote : 7 pour, 1 contre. donc redémarre le serveur",
    "on a tous déco, c'est le moment. relance",
    "j'explique : j'ai posé une redstone, tout a freeze, personne bouge. reboot svp",
    "<@OTHER> je m'en occupe. tu peux redémarrer le serveur ?",
    "<@OTHER> attends deux secondes.\\nrelance le serv stp",
    "merci à tous pour la soirée. avant de partir : relance le serveur stp",
    "une relance du serv serait la bienvenue", "petit reboot du serveur ?", "un restart, vite",
    "une relance, s'il te plaît", "redémarrage du serv stp", "un coup de restart sur mc ?",
    "j'aurais besoin d'une relance du serveur", "je demande un redémarrage du serveur",
    "pourriez-vous avoir l'amabilité de relancer le serveur Minecraft ?",
    "je me permets de solliciter un redémarrage du serveur de jeu",
    "**relance le serveur stp**", "__reboot mc__ svp", "*redémarre le serv*",
    "relance le serv stp <:pepehands:712345678901234567>", "reboot stp 🙏🙏",
    "le serv est down depuis 10 min https://status.example.com\\ntu peux relancer ?",
    "relance le serveur\\nmerci\\nbonne soirée", "yo\\n\\nreboot le serv stp",
    "tu veux bien le relancer ?", "relance le serveur quand t'as deux minutes",
    "serv figé, redem stp", "srv planté, rdm", "relanc stp c mor", "tu pe reboot le srv ? jpp",
    "redémarre mc, on est tous bloqués au spawn", "relaunch the server pls, tps is dead",
    "the server is rubberbanding like crazy, restart it", "give mc a reboot pls",
    "yo can u restart the server, its lagging", "server's cooked, restart it",
    "le serv est cooked, reboot stp", "le serveur est en PLS, relance",
]
HAND5_WAKE = [
    "dis, tu saurais allumer le serveur une fois ?", "allume-moi le serveur une fois",
    "part-moi le serveur stp", "peux-tu partir le serveur ? on veut jouer",
    "ça joue si tu démarres le serveur ?", "bonsoir ! on est tous là, allume le serveur",
    "le vote est fait, on joue : démarre le serveur", "**allume le serveur**",
    "démarre mc stp 🙏", "allume le serv\\nmerci !", "boot le serv stp", "start le serv pls",
    "lance le serv stp, il est off", "un démarrage du serv, vite", "allumage du serveur svp",
    "turn mc on pls", "boot the mc server pls", "fire the server up, we're all here",
]
HAND5_STATUS = [
    "le serveur, il est parti ou pas ?", "ça joue le serveur ?", "c'est ouvert ce soir ?",
    "y a du monde sur le serv en ce moment ?", "le serveur est up là ?", "le serv, ça dit quoi ?",
    "dis, le serveur il tourne ?", "est-il allumé, le serveur ?", "is the server alive?",
    "anyone on mc rn?", "mc up?", "what's the server status?", "t'as l'état du serveur ?",
]
HAND5_HELP = [
    "tu comprends quelles commandes ?", "t'es un bot pour quoi faire ?", "tu sais faire quoi exactement ?",
    "comment on te demande un redémarrage ?", "comment je fais pour te parler ?",
    "c'est quoi ton utilité ?", "what are you exactly?", "how do i talk to you?",
    "tu fais quoi comme bot ?", "t'as une aide ?", "tes commandes stp",
]
HAND5_NONE = [
    # Replies to the bot's own question.
    "oui fais-le", "ouais vas-y", "ok go", "vas-y", "oui stp", "non laisse", "non merci c'est revenu", "yes go ahead",
    "sure, do it", "ok fais ça",
    # The bot or another bot as the subject; requests for other bots and people.
    "le bot a redémarré le serveur pour rien", "le bot a relancé en plein boss",
    "CubeGuardian a encore reboot le serv", "le bot relance à chaque fois qu'on dit son nom",
    "le bot de musique relance la chanson tout seul", "Rythm relance la playlist en boucle",
    "<@OTHER> relance ton pc", "<@OTHER> redémarre ta box", "<@OTHER> reboot ton routeur",
    "hey MEE6 restart the music", "Dyno, relance le sondage", "redémarre ton ordi <@OTHER>",
    "relance ta box et reviens", "redémarre ton routeur", "reboot ton téléphone",
    # Objects that are not the server.
    "lance la partie de uno", "relance le sondage", "relance la manche", "redémarre la musique",
    "relance le débat sur la 1.21", "réveille ton frère qu'il vienne jouer", "réveille les autres",
    "allume ta caméra", "start the next round", "restart the video", "reboot the router",
    "relance la vidéo du début", "démarre le chrono", "relance la course",
    # Statements that are not questions, thanks that are not help.
    "il tourne, merci bien", "c'est reparti, top", "ça marche, merci du coup de main",
    "merci pour ton aide", "il est up, nickel", "le serveur est allumé, je me co",
    "ok le serveur est ouvert", "il tourne nickel ce soir",
    # Complaints and commentary with an imperative inside.
    "relancez-le qu'ils disent, comme si ça réglait tout",
    "à chaque bug : « redémarre le serv », ça me saoule",
    "et le mec me fait « reboot », merci du conseil",
    "redémarre le serveur, redémarre le serveur... c'est tout ce que t'as à dire ?",
    "reboot reboot reboot, vous avez que ce mot-là",
    "le serveur plante encore, c'est la troisième fois qu'on le relance",
    "il plante tout le temps, faudrait que l'admin regarde les logs",
    # Quoted, shown or hidden.
    "`relance le serv` c'est la bonne commande ?", "> redémarre le serveur\\nc'est ça qu'il faut écrire ?",
    "> <@BOT> reboot\\nça a marché hier", "||reboot le serv|| mdr", "ex : `reboot mc`",
    "genre tu tapes \"relance le serveur\" et ça marche ?",
    # Past, habits, hypotheses.
    "t'as relancé tout à l'heure ?", "tu redémarres à quelle heure d'habitude ?",
    "si ça gèle encore, on relancera", "faudra peut-être relancer demain",
    "j'aurais relancé plus tôt moi", "on avait relancé hier soir",
]


def main():
    out = []
    seen = set()

    def add(where, label, text):
        if (where, text) not in seen:
            seen.add((where, text))
            out.append(f"{where}\t{label}\t{text}")

    def unaddressed(label, core):
        # A request posted without an address is not for the bot, unless it names the bot
        # itself ("t'es quoi comme bot ?" asks the bot): then it is not labelled "none".
        if label == "none" or not re.search(r"\b(bot|cubeguardian)\b", core, re.I):
            add("guild", "none", core)

    for _ in range(420):
        add("guild", "restart", addressed(request("restart")))
    for _ in range(120):
        add("dm", "restart", request("restart"))
    for _ in range(140):
        add("guild", "wake", addressed(request("wake")))
    for _ in range(50):
        add("dm", "wake", request("wake"))
    # The same requests without an address, or for someone else, are not for the bot.
    for _ in range(120):
        add("guild", "none", request(rng.choice(["restart", "wake"])))
    for _ in range(80):
        core = request(rng.choice(["restart", "wake"]))
        add("guild", "none", rng.choice(["<@OTHER> ", "@Jean ", "hey <@OTHER>, ", "Kevin, ",
                                        "yo <@OTHER> ", "<@OTHER>\\n"]) + core)
    for _ in range(170):
        core = rng.choice(BEFORE[:12]) + rng.choice(STATUS) + rng.choice(Q_TAIL)
        add("guild", "status", addressed(core))
    for _ in range(50):
        add("dm", "status", rng.choice(STATUS) + rng.choice(Q_TAIL))
    for _ in range(120):
        core = rng.choice(BEFORE[:8]) + rng.choice(HELP) + rng.choice(Q_TAIL)
        add("guild", "help", addressed(core))
    for _ in range(40):
        add("dm", "help", rng.choice(HELP) + rng.choice(Q_TAIL))
    for _ in range(60):
        unaddressed("help", rng.choice(STATUS + HELP))
        add("guild", "none", "<@OTHER> " + rng.choice(STATUS + HELP))
    for _ in range(200):
        add("guild", "none", addressed(rng.choice(CHAT) + rng.choice(Q_TAIL[:4])))
    for _ in range(90):
        add("dm", "none", rng.choice(CHAT) + rng.choice(Q_TAIL[:4]))
    for _ in range(80):
        add("guild", "none", rng.choice(ABOUT_BOT))
        add(rng.choice(["guild", "dm"]), "none", rng.choice(ABOUT_BOT))
    for _ in range(380):
        add("guild", "none", addressed(none_line()))
    for _ in range(130):
        add("dm", "none", none_line())

    # Second round of hand-written cores (issue 13), with addresses of every kind.
    for label, cores, times in [("restart", HAND_RESTART, 3), ("wake", HAND_WAKE, 3),
                                ("status", HAND_STATUS, 2), ("help", HAND_HELP, 2),
                                ("none", HAND_NONE, 2)]:
        for core in cores:
            for _ in range(times):
                add("guild", label, addressed(core + rng.choice(["", "", "", " " + rng.choice(TAIL_FR)]).rstrip()))
            add("dm", label, core)
            # Not addressed, or addressed to another member: not for the bot.
            unaddressed(label, core)
            if rng.random() < 0.4:
                add("guild", "none", rng.choice(["<@OTHER> ", "Kevin, ", "<@OTHER>, "]) + core)
    # The bot's name mid-sentence, last, or after another sentence; several lines.
    for core in HAND_RESTART[:40] + HAND_WAKE[:20]:
        label = "restart" if core in HAND_RESTART else "wake"
        words = core.split(" ")
        if len(words) > 2 and words[0].isalpha():
            # "relance, CubeGuardian, le serveur": the name between the verb and the rest.
            add("guild", label, words[0] + ", CubeGuardian, " + " ".join(words[1:]))
        add("guild", label, rng.choice(["salut\\n", "yo\\n", "bon.\\n", "re\\n"]) + "<@BOT> " + core)
        add("guild", label, "<@BOT>\\n" + core + "\\nmerci !")
        add("guild", label, "<@OTHER> oui je sais. <@BOT> " + core)
        mark = rng.choice(["**", "__", "*"])
        add("guild", label, mark + core + mark + " <@BOT>")
        add("guild", label, "<@BOT> " + core + " https://imgur.com/a/xYz12")
        add("guild", label, "<@BOT> " + core + " <:sadge:812345678901234567>")
        add("guild", "none", "> <@BOT> " + core + "\\n" + rng.choice(["lol", "mdr qui a écrit ça", "c'est ce qu'il a dit hier"]))
        add("guild", "none", "<@BOT> `" + core + "`")
        add("guild", "none", "<@BOT> ||" + core + "||")

    # Third round: remarks then requests, restarts spoken of.
    for label, cores in [("restart", HAND3_RESTART), ("none", HAND3_NONE)]:
        for core in cores:
            for _ in range(3):
                add("guild", label, addressed(core))
            add("dm", label, core)
            unaddressed(label, core)

    # Fourth round.
    for label, cores in [("restart", HAND4_RESTART), ("none", HAND4_NONE)]:
        for core in cores:
            for _ in range(3):
                add("guild", label, addressed(core))
            add("dm", label, core)
            unaddressed(label, core)
    # The bot's name before the closing politeness, or between two sentences.
    for core in HAND_RESTART[40:80] + HAND3_RESTART:
        add("guild", "restart", core + rng.choice([" CubeGuardian stp", ", CubeGuardian, merci",
                                                  " <@BOT> stp", " le bot merci"]))
    # Fifth round, with addresses of every kind: mention, name first, last or mid-sentence.
    for label, cores in [("restart", HAND5_RESTART), ("wake", HAND5_WAKE),
                         ("status", HAND5_STATUS), ("help", HAND5_HELP), ("none", HAND5_NONE)]:
        for core in cores:
            for _ in range(3):
                add("guild", label, addressed(core))
            add("dm", label, core)
            unaddressed(label, core)
            if rng.random() < 0.5:
                add("guild", "none", rng.choice(["<@OTHER> ", "Kevin, ", "hey <@OTHER> "]) + core)
            if label != "none" and rng.random() < 0.5:
                add("guild", label, rng.choice(["yo le bot, ", "vas-y le bot, ", "dis le bot, ",
                                                "hé CubeGuardian, "]) + core)
    print("\n".join(out))


main()
