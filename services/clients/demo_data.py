"""Realistic French reference data for the demo account and the benchmark generator."""

# (postal code, city, country) of places where wine is made, sold or drunk.
PLACES: tuple[tuple[str, str, str], ...] = (
    ("33000", "Bordeaux", "FR"), ("33500", "Libourne", "FR"), ("33330", "Saint-Émilion", "FR"),
    ("33250", "Pauillac", "FR"), ("33460", "Margaux-Cantenac", "FR"), ("33720", "Podensac", "FR"),
    ("21200", "Beaune", "FR"), ("21000", "Dijon", "FR"), ("21700", "Nuits-Saint-Georges", "FR"),
    ("51100", "Reims", "FR"), ("51200", "Épernay", "FR"), ("51160", "Aÿ-Champagne", "FR"),
    ("75001", "Paris", "FR"), ("75008", "Paris", "FR"), ("75011", "Paris", "FR"), ("75017", "Paris", "FR"),
    ("69002", "Lyon", "FR"), ("69006", "Lyon", "FR"), ("13001", "Marseille", "FR"), ("13100", "Aix-en-Provence", "FR"),
    ("44000", "Nantes", "FR"), ("31000", "Toulouse", "FR"), ("59000", "Lille", "FR"), ("67000", "Strasbourg", "FR"),
    ("68000", "Colmar", "FR"), ("68340", "Riquewihr", "FR"), ("84000", "Avignon", "FR"),
    ("84230", "Châteauneuf-du-Pape", "FR"), ("16100", "Cognac", "FR"), ("17100", "Saintes", "FR"),
    ("49000", "Angers", "FR"), ("49400", "Saumur", "FR"), ("37000", "Tours", "FR"), ("37400", "Amboise", "FR"),
    ("34000", "Montpellier", "FR"), ("11000", "Carcassonne", "FR"), ("66000", "Perpignan", "FR"),
    ("06000", "Nice", "FR"), ("83990", "Saint-Tropez", "FR"), ("20000", "Ajaccio", "FR"), ("20200", "Bastia", "FR"),
    ("74000", "Annecy", "FR"), ("73000", "Chambéry", "FR"), ("89800", "Chablis", "FR"), ("18300", "Sancerre", "FR"),
    ("71000", "Mâcon", "FR"), ("69430", "Beaujeu", "FR"), ("64000", "Pau", "FR"), ("32800", "Eauze", "FR"),
    ("24100", "Bergerac", "FR"), ("46000", "Cahors", "FR"), ("35000", "Rennes", "FR"), ("29200", "Brest", "FR"),
    ("14000", "Caen", "FR"), ("76000", "Rouen", "FR"), ("45000", "Orléans", "FR"), ("63000", "Clermont-Ferrand", "FR"),
    ("97200", "Fort-de-France", "FR"), ("97400", "Saint-Denis", "FR"),
    ("1000", "Bruxelles", "BE"), ("4000", "Liège", "BE"), ("1201", "Genève", "CH"), ("1003", "Lausanne", "CH"),
    ("L-1009", "Luxembourg", "LU"), ("10115", "Berlin", "DE"), ("EC1A 1BB", "London", "GB"),
)

STREET_KINDS = ("rue", "avenue", "boulevard", "chemin", "place", "allée", "route", "impasse", "quai")
STREET_NAMES = (
    "de la République", "Victor Hugo", "des Vignes", "du Château", "Jean Jaurès", "de la Gare", "Pasteur",
    "des Chartrons", "Gambetta", "du Général de Gaulle", "Saint-Martin", "des Tonneliers", "de l'Église",
    "Émile Zola", "des Vendanges", "du Moulin", "Sainte-Catherine", "Voltaire", "des Coteaux", "de Verdun",
)
COMPANY_PATTERNS = (
    "Cave {last}", "Château {last}", "Domaine {last}", "Restaurant {place}", "Bistrot {first}",
    "Le Comptoir de {place}", "Caviste {last}", "Hôtel {last}", "Épicerie fine {last}", "Brasserie {first}",
    "SARL {last} & Fils", "Les Caves de {place}", "Maison {last}", "Wine Bar {first}",
)
CATEGORIES = ("Particulier", "Restaurant", "Caviste", "Hôtel", "Grossiste", "Export", "Comité d'entreprise")
TAGS = ("vip", "salon 2026", "newsletter", "bio", "export", "fidèle", "à relancer", "grand compte")
TITLES_MALE, TITLES_FEMALE = ("M.",), ("Mme",)
