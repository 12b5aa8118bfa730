package localdep

func Name() string { return "local" }
