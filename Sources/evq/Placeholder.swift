print("evq")
