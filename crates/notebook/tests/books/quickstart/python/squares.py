squares = [n * n for n in range(1, 6)]
print("squares:", squares)
