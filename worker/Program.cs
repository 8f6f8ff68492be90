Console.WriteLine("BertServerless worker: not implemented yet.");
