Console.WriteLine("cgdmer-train: under construction");
