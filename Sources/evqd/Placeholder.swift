print("evqd")
