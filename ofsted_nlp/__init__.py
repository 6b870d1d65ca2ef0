"""ofsted_nlp: findings, service areas and polarity from Ofsted children's services inspections."""
__version__ = "0.1.0"
