# Written by `python -m byok_ci._precompiled.generate` with Python 3.11, dataclasses' text format 8d7a3678dd3b48b4:
# do not edit.
# The texts are dataclasses' own, compiled as they are: no __future__ import here.
# mypy: ignore-errors
# ruff: noqa

CODE = {}

def __create_fn__(_type_path, _type_where, _type_blob, _type_commit, _type_added, _type_rules, _type_parents, _type_renamed_from, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_parents, _dflt_renamed_from, _return_type):
 def __init__(self,path:_type_path,where:_type_where,blob:_type_blob,commit:_type_commit,added:_type_added,rules:_type_rules,parents:_type_parents=_dflt_parents,renamed_from:_type_renamed_from=_dflt_renamed_from)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'path',path)
  __dataclass_builtins_object__.__setattr__(self,'where',where)
  __dataclass_builtins_object__.__setattr__(self,'blob',blob)
  __dataclass_builtins_object__.__setattr__(self,'commit',commit)
  __dataclass_builtins_object__.__setattr__(self,'added',added)
  __dataclass_builtins_object__.__setattr__(self,'rules',rules)
  __dataclass_builtins_object__.__setattr__(self,'parents',parents)
  __dataclass_builtins_object__.__setattr__(self,'renamed_from',renamed_from)
 return __init__
CODE['ac07d59b51ea89f3a69622f48bebd8e062f7b2496f94f576106211712af1d624'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('path','where','blob','commit','added','rules','parents','renamed_from',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['f40951d5b27d9d2a55f7bd61a5de3a9ad527e8013c4addcbd44fb40988b0da94'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('path','where','blob','commit','added','rules','parents','renamed_from',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['c74cd0d5dc3d9f714b7d231f92d2499240138bfda699a5e3c28f18d38fd0e4b0'] = __create_fn__.__code__

def __create_fn__(_type_exclude, _type_max_file_size, _type_reading, _type_submodules, _type_binaries, _type_owns, _type_screen, _type_scan_binary, _type_triage, _type_made, _type_in_context, _type_wants_context, _type_context_added, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_exclude, _dflt_max_file_size, _dflt_reading, _dflt_submodules, _dflt_binaries, _dflt_owns, _dflt_screen, _dflt_scan_binary, _dflt_triage, _dflt_made, _dflt_in_context, _dflt_wants_context, _dflt_context_added, _return_type):
 def __init__(self,exclude:_type_exclude=_dflt_exclude,max_file_size:_type_max_file_size=_dflt_max_file_size,reading:_type_reading=_HAS_DEFAULT_FACTORY,submodules:_type_submodules=_HAS_DEFAULT_FACTORY,binaries:_type_binaries=_HAS_DEFAULT_FACTORY,owns:_type_owns=_dflt_owns,screen:_type_screen=_dflt_screen,scan_binary:_type_scan_binary=_dflt_scan_binary,triage:_type_triage=_dflt_triage,made:_type_made=_dflt_made,in_context:_type_in_context=_dflt_in_context,wants_context:_type_wants_context=_dflt_wants_context,context_added:_type_context_added=_dflt_context_added)->_return_type:
  self.exclude=exclude
  self.max_file_size=max_file_size
  self.reading=_dflt_reading() if reading is _HAS_DEFAULT_FACTORY else reading
  self.submodules=_dflt_submodules() if submodules is _HAS_DEFAULT_FACTORY else submodules
  self.binaries=_dflt_binaries() if binaries is _HAS_DEFAULT_FACTORY else binaries
  self.owns=owns
  self.screen=screen
  self.scan_binary=scan_binary
  self.triage=triage
  self.made=made
  self.in_context=in_context
  self.wants_context=wants_context
  self.context_added=context_added
 return __init__
CODE['9d2638edd58a8e606062d3ff2764505d4497630e2b687684abac4a064e05804c'] = __create_fn__.__code__

def __create_fn__(_type_detector, _type_max_size, _type_cwd, _type__versions, _type__made, _type__later, _type__lock, _type__git, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_cwd, _dflt__versions, _dflt__made, _dflt__later, _dflt__lock, _dflt__git, _return_type):
 def __init__(self,detector:_type_detector,max_size:_type_max_size,cwd:_type_cwd=_dflt_cwd,_versions:_type__versions=_HAS_DEFAULT_FACTORY,_made:_type__made=_HAS_DEFAULT_FACTORY,_later:_type__later=_HAS_DEFAULT_FACTORY,_lock:_type__lock=_HAS_DEFAULT_FACTORY,_git:_type__git=_dflt__git)->_return_type:
  self.detector=detector
  self.max_size=max_size
  self.cwd=cwd
  self._versions=_dflt__versions() if _versions is _HAS_DEFAULT_FACTORY else _versions
  self._made=_dflt__made() if _made is _HAS_DEFAULT_FACTORY else _made
  self._later=_dflt__later() if _later is _HAS_DEFAULT_FACTORY else _later
  self._lock=_dflt__lock() if _lock is _HAS_DEFAULT_FACTORY else _lock
  self._git=_git
 return __init__
CODE['66c5e0b545a454d27b74b193d91d9ebdf43f51f821ff9444b1e96ad0e985701a'] = __create_fn__.__code__

def __create_fn__(_type_chunker, _type_detector, _type_reader, _type_cwd, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_cwd, _return_type):
 def __init__(self,chunker:_type_chunker,detector:_type_detector,reader:_type_reader,cwd:_type_cwd=_dflt_cwd)->_return_type:
  self.chunker=chunker
  self.detector=detector
  self.reader=reader
  self.cwd=cwd
 return __init__
CODE['49f5d9aa781523965c3d2064c55f956534e70d7334d3d8fd74cc70298951591c'] = __create_fn__.__code__

def __create_fn__(_type_mode, _type_revision, _type_push_from, _type_push_to, _type_known, _type_updates, _type_all_objects, _type_refs, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_revision, _dflt_push_from, _dflt_push_to, _dflt_known, _dflt_updates, _dflt_all_objects, _dflt_refs, _return_type):
 def __init__(self,mode:_type_mode,revision:_type_revision=_dflt_revision,push_from:_type_push_from=_dflt_push_from,push_to:_type_push_to=_dflt_push_to,known:_type_known=_dflt_known,updates:_type_updates=_dflt_updates,all_objects:_type_all_objects=_dflt_all_objects,refs:_type_refs=_dflt_refs)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'mode',mode)
  __dataclass_builtins_object__.__setattr__(self,'revision',revision)
  __dataclass_builtins_object__.__setattr__(self,'push_from',push_from)
  __dataclass_builtins_object__.__setattr__(self,'push_to',push_to)
  __dataclass_builtins_object__.__setattr__(self,'known',known)
  __dataclass_builtins_object__.__setattr__(self,'updates',updates)
  __dataclass_builtins_object__.__setattr__(self,'all_objects',all_objects)
  __dataclass_builtins_object__.__setattr__(self,'refs',refs)
 return __init__
CODE['7e68d4638339d6764b5bc859c0e0399edade9350ec7d57ec96c0d681a6f2626a'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('mode','revision','push_from','push_to','known','updates','all_objects','refs',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['eb1976927da7420e4554c93d9ca5dd06d975758a36a20ab7feb041a3c1c39b30'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('mode','revision','push_from','push_to','known','updates','all_objects','refs',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['b2c05da3afa6404af84687b164f2159c76bbf240e5c021dc191485f0f8f1ac18'] = __create_fn__.__code__

def __create_fn__(_type_cwd, _type_git_dir, _type_common_dir, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _return_type):
 def __init__(self,cwd:_type_cwd,git_dir:_type_git_dir,common_dir:_type_common_dir)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'cwd',cwd)
  __dataclass_builtins_object__.__setattr__(self,'git_dir',git_dir)
  __dataclass_builtins_object__.__setattr__(self,'common_dir',common_dir)
 return __init__
CODE['55a6f4048d339adfbc40754d41e1ff9ef4801567c6e22448450ebce5ce019b12'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('cwd','git_dir','common_dir',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['80b714a11b2524872a68413566ac883597f88c3cc44bb83b6c3ef0d7655c2a87'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('cwd','git_dir','common_dir',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['70f3617a9b306eca0838b4f6defa04c4944d45583619110b87e0b633ebf6b32d'] = __create_fn__.__code__

def __create_fn__(_type_pathspecs, _type_chunker, _type_cwd, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_pathspecs, _dflt_chunker, _dflt_cwd, _return_type):
 def __init__(self,pathspecs:_type_pathspecs=_dflt_pathspecs,chunker:_type_chunker=_HAS_DEFAULT_FACTORY,cwd:_type_cwd=_dflt_cwd)->_return_type:
  self.pathspecs=pathspecs
  self.chunker=_dflt_chunker() if chunker is _HAS_DEFAULT_FACTORY else chunker
  self.cwd=cwd
 return __init__
CODE['fc01c03398c0f1bf9ca2270a6473234ec26489748ee881e419ea220caa599ed2'] = __create_fn__.__code__

def __create_fn__(_type_run, _type_path, _type_full, _type_digest, _type_shard, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_digest, _dflt_shard, _return_type):
 def __init__(self,run:_type_run,path:_type_path,full:_type_full,digest:_type_digest=_dflt_digest,shard:_type_shard=_dflt_shard)->_return_type:
  self.run=run
  self.path=path
  self.full=full
  self.digest=digest
  self.shard=shard
 return __init__
CODE['b6709a0c28987012e6034f3983f4c7b3f1ba6e40af2fa1f445bd06a177f494e2'] = __create_fn__.__code__

def __create_fn__(_type_max_depth, _type_max_member_size, _type_max_total_bytes, _type_max_ratio, _type_max_members, _type_allow_partial, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_max_depth, _dflt_max_member_size, _dflt_max_total_bytes, _dflt_max_ratio, _dflt_max_members, _dflt_allow_partial, _return_type):
 def __init__(self,max_depth:_type_max_depth=_dflt_max_depth,max_member_size:_type_max_member_size=_dflt_max_member_size,max_total_bytes:_type_max_total_bytes=_dflt_max_total_bytes,max_ratio:_type_max_ratio=_dflt_max_ratio,max_members:_type_max_members=_dflt_max_members,allow_partial:_type_allow_partial=_dflt_allow_partial)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'max_depth',max_depth)
  __dataclass_builtins_object__.__setattr__(self,'max_member_size',max_member_size)
  __dataclass_builtins_object__.__setattr__(self,'max_total_bytes',max_total_bytes)
  __dataclass_builtins_object__.__setattr__(self,'max_ratio',max_ratio)
  __dataclass_builtins_object__.__setattr__(self,'max_members',max_members)
  __dataclass_builtins_object__.__setattr__(self,'allow_partial',allow_partial)
 return __init__
CODE['0d266aaa40f59d0586d3853b211209ad11165c321c12ed84bf1988b6660a8d51'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('max_depth','max_member_size','max_total_bytes','max_ratio','max_members','allow_partial',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['d6ed6805b04e842b677f502aed3885c793572b04660971c68a225c95cf2bff80'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('max_depth','max_member_size','max_total_bytes','max_ratio','max_members','allow_partial',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['e9dca539d6773c5063d74cfacacb9872a36cf60276abf997853b886a84737ba4'] = __create_fn__.__code__

def __create_fn__(_type_reader, _type_limits, _type_exclude, _type_archives, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_limits, _dflt_exclude, _dflt_archives, _return_type):
 def __init__(self,reader:_type_reader,limits:_type_limits=_HAS_DEFAULT_FACTORY,exclude:_type_exclude=_dflt_exclude,archives:_type_archives=_dflt_archives)->_return_type:
  self.reader=reader
  self.limits=_dflt_limits() if limits is _HAS_DEFAULT_FACTORY else limits
  self.exclude=exclude
  self.archives=archives
 return __init__
CODE['9f048ea096d030af9b9cb10eb4cf46a5108806e37cdde57207e43dbb5448373f'] = __create_fn__.__code__

def __create_fn__():
 def __repr__(self):
  return self.__class__.__qualname__ + f"(reader={self.reader!r}, limits={self.limits!r}, exclude={self.exclude!r}, archives={self.archives!r})"
 return __repr__
CODE['0c82f5aad10be615b177c32dae423d01f82522933607eaa235bc859924b05e58'] = __create_fn__.__code__

def __create_fn__(_type_path, _type_shown, _type_artifacts, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _return_type):
 def __init__(self,path:_type_path,shown:_type_shown,artifacts:_type_artifacts)->_return_type:
  self.path=path
  self.shown=shown
  self.artifacts=artifacts
 return __init__
CODE['d2dfca3bbd13beb4ec1375eae04013c7391916baaf01c89ac8ac1ccd1d5898b3'] = __create_fn__.__code__

def __create_fn__():
 def __repr__(self):
  return self.__class__.__qualname__ + f"(path={self.path!r}, shown={self.shown!r}, artifacts={self.artifacts!r})"
 return __repr__
CODE['81d2fba44b8821e691eb7df451029f64819db3b126dbad6eefe4d3f041ef3c12'] = __create_fn__.__code__

def __create_fn__(_type_index, _type_shas, _type_count, _type_options, _type_pathspecs, _type_chunker, _type_cwd, _type_on_commit, _type_damaged, _type_orphans, _type_quiet, _type_config, _type_only, _type__started, _type__on_written, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_on_commit, _dflt_damaged, _dflt_orphans, _dflt_quiet, _dflt_config, _dflt_only, _dflt__started, _dflt__on_written, _return_type):
 def __init__(self,index:_type_index,shas:_type_shas,count:_type_count,options:_type_options,pathspecs:_type_pathspecs,chunker:_type_chunker,cwd:_type_cwd,on_commit:_type_on_commit=_dflt_on_commit,damaged:_type_damaged=_dflt_damaged,orphans:_type_orphans=_dflt_orphans,quiet:_type_quiet=_dflt_quiet,config:_type_config=_dflt_config,only:_type_only=_dflt_only,_started:_type__started=_dflt__started,_on_written:_type__on_written=_dflt__on_written)->_return_type:
  self.index=index
  self.shas=shas
  self.count=count
  self.options=options
  self.pathspecs=pathspecs
  self.chunker=chunker
  self.cwd=cwd
  self.on_commit=on_commit
  self.damaged=damaged
  self.orphans=orphans
  self.quiet=quiet
  self.config=config
  self.only=only
  self._started=_started
  self._on_written=_on_written
 return __init__
CODE['22e5c4d3a8cf9fbd36148cac978e88c4825878d4eb4ebc45a44b6f08461d2e11'] = __create_fn__.__code__

def __create_fn__():
 def __repr__(self):
  return self.__class__.__qualname__ + f"(index={self.index!r}, shas={self.shas!r}, count={self.count!r}, options={self.options!r}, pathspecs={self.pathspecs!r}, chunker={self.chunker!r}, cwd={self.cwd!r}, on_commit={self.on_commit!r}, damaged={self.damaged!r}, orphans={self.orphans!r}, quiet={self.quiet!r}, config={self.config!r}, only={self.only!r})"
 return __repr__
CODE['c1cfa730b8bf561207e3c0696f38d6892dbb2539cd3ca909d25ccb500ac9a541'] = __create_fn__.__code__

def __create_fn__():
 def __eq__(self,other):
  if other.__class__ is self.__class__:
   return (self.index,self.shas,self.count,self.options,self.pathspecs,self.chunker,self.cwd,self.on_commit,self.damaged,self.orphans,self.quiet,self.config,self.only,self._started,self._on_written,)==(other.index,other.shas,other.count,other.options,other.pathspecs,other.chunker,other.cwd,other.on_commit,other.damaged,other.orphans,other.quiet,other.config,other.only,other._started,other._on_written,)
  return NotImplemented
 return __eq__
CODE['dbf8e4dfe1a3e27fcab8619102e3689eb350f306e480e2f483aa820217f60d59'] = __create_fn__.__code__

def __create_fn__(_type_revisions, _type_pathspecs, _type_all_refs, _type_chunker, _type_cwd, _type_max_parts, _type_all_objects, _type_exclude, _type_config, _type_only, _type_costs, _type_damaged, _type_tags, _type__listed, _type__orphans, _type__parents, _type_started, _type_processes, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_revisions, _dflt_pathspecs, _dflt_all_refs, _dflt_chunker, _dflt_cwd, _dflt_max_parts, _dflt_all_objects, _dflt_exclude, _dflt_config, _dflt_only, _dflt_costs, _dflt_damaged, _dflt_tags, _dflt__listed, _dflt__orphans, _dflt__parents, _dflt_started, _dflt_processes, _return_type):
 def __init__(self,revisions:_type_revisions=_dflt_revisions,pathspecs:_type_pathspecs=_dflt_pathspecs,all_refs:_type_all_refs=_dflt_all_refs,chunker:_type_chunker=_HAS_DEFAULT_FACTORY,cwd:_type_cwd=_dflt_cwd,max_parts:_type_max_parts=_dflt_max_parts,all_objects:_type_all_objects=_dflt_all_objects,exclude:_type_exclude=_dflt_exclude,config:_type_config=_dflt_config,only:_type_only=_dflt_only,costs:_type_costs=_dflt_costs,damaged:_type_damaged=_dflt_damaged,tags:_type_tags=_HAS_DEFAULT_FACTORY,_listed:_type__listed=_dflt__listed,_orphans:_type__orphans=_dflt__orphans,_parents:_type__parents=_HAS_DEFAULT_FACTORY,started:_type_started=_dflt_started,processes:_type_processes=_dflt_processes)->_return_type:
  self.revisions=revisions
  self.pathspecs=pathspecs
  self.all_refs=all_refs
  self.chunker=_dflt_chunker() if chunker is _HAS_DEFAULT_FACTORY else chunker
  self.cwd=cwd
  self.max_parts=max_parts
  self.all_objects=all_objects
  self.exclude=exclude
  self.config=config
  self.only=only
  self.costs=costs
  self.damaged=damaged
  self.tags=_dflt_tags() if tags is _HAS_DEFAULT_FACTORY else tags
  self._listed=_listed
  self._orphans=_orphans
  self._parents=_dflt__parents() if _parents is _HAS_DEFAULT_FACTORY else _parents
  self.started=started
  self.processes=processes
 return __init__
CODE['7b9bcce1346b13fc0270de55a2b649ac62f60497a1131208be40a9dba4165fad'] = __create_fn__.__code__

def __create_fn__():
 def __repr__(self):
  return self.__class__.__qualname__ + f"(revisions={self.revisions!r}, pathspecs={self.pathspecs!r}, all_refs={self.all_refs!r}, chunker={self.chunker!r}, cwd={self.cwd!r}, max_parts={self.max_parts!r}, all_objects={self.all_objects!r}, exclude={self.exclude!r}, config={self.config!r}, only={self.only!r}, costs={self.costs!r}, damaged={self.damaged!r}, tags={self.tags!r}, _listed={self._listed!r}, _orphans={self._orphans!r}, _parents={self._parents!r}, started={self.started!r}, processes={self.processes!r})"
 return __repr__
CODE['cd4fed4819397004b00ec16e30fc2a84507497e05083ed0eb9cd80e469b47f13'] = __create_fn__.__code__

def __create_fn__():
 def __eq__(self,other):
  if other.__class__ is self.__class__:
   return (self.revisions,self.pathspecs,self.all_refs,self.chunker,self.cwd,self.max_parts,self.all_objects,self.exclude,self.config,self.only,self.costs,self.damaged,self.tags,self._listed,self._orphans,self._parents,self.started,self.processes,)==(other.revisions,other.pathspecs,other.all_refs,other.chunker,other.cwd,other.max_parts,other.all_objects,other.exclude,other.config,other.only,other.costs,other.damaged,other.tags,other._listed,other._orphans,other._parents,other.started,other.processes,)
  return NotImplemented
 return __eq__
CODE['e2204fcc9766e50e4c2494a6bbeafcd6a0b7941d87894b18bcf5c16be88443f8'] = __create_fn__.__code__

def __create_fn__(_type_start, _type_end, _type_indent, _type_dash, _type_blank, _type_closer, _type_section, _type_key, _type_value, _type_header, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _return_type):
 def __init__(self,start:_type_start,end:_type_end,indent:_type_indent,dash:_type_dash,blank:_type_blank,closer:_type_closer,section:_type_section,key:_type_key,value:_type_value,header:_type_header)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'start',start)
  __dataclass_builtins_object__.__setattr__(self,'end',end)
  __dataclass_builtins_object__.__setattr__(self,'indent',indent)
  __dataclass_builtins_object__.__setattr__(self,'dash',dash)
  __dataclass_builtins_object__.__setattr__(self,'blank',blank)
  __dataclass_builtins_object__.__setattr__(self,'closer',closer)
  __dataclass_builtins_object__.__setattr__(self,'section',section)
  __dataclass_builtins_object__.__setattr__(self,'key',key)
  __dataclass_builtins_object__.__setattr__(self,'value',value)
  __dataclass_builtins_object__.__setattr__(self,'header',header)
 return __init__
CODE['01c5969b070b68fe358a6cbb80f793c23b93f5687c74ef98b25933ed9583a7fb'] = __create_fn__.__code__

def __create_fn__():
 def __repr__(self):
  return self.__class__.__qualname__ + f"(start={self.start!r}, end={self.end!r}, indent={self.indent!r}, dash={self.dash!r}, blank={self.blank!r}, closer={self.closer!r}, section={self.section!r}, key={self.key!r}, header={self.header!r})"
 return __repr__
CODE['c7f2afc67cd9eb0685ec8910366c1c8d567784478ae3013783d7d189bfc27def'] = __create_fn__.__code__

def __create_fn__():
 def __eq__(self,other):
  if other.__class__ is self.__class__:
   return (self.start,self.end,self.indent,self.dash,self.blank,self.closer,self.section,self.key,self.value,self.header,)==(other.start,other.end,other.indent,other.dash,other.blank,other.closer,other.section,other.key,other.value,other.header,)
  return NotImplemented
 return __eq__
CODE['3c8a590ce4bea536f9dfd912c7d87c834ffac577621cb9edf006efbe3fe6b72f'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('start','end','indent','dash','blank','closer','section','key','value','header',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['b2f7aa6331e6b743f4f313429f786209cf1ec53bd464b02cd988ed3162ede4a2'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('start','end','indent','dash','blank','closer','section','key','value','header',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['056b893279e377c0fb06ffc6b7be2bf068d4030db4450e4d88e19ffdaddca83c'] = __create_fn__.__code__

def __create_fn__():
 def __hash__(self):
  return hash((self.start,self.end,self.indent,self.dash,self.blank,self.closer,self.section,self.key,self.value,self.header,))
 return __hash__
CODE['72c7685757c084f9ba8d7aee5aff2c1d4097541b6441140c2e6cfc3b1aa4ecf1'] = __create_fn__.__code__

def __create_fn__(_type_name, _type_in_call, _type__structure, _type__start, _type__end, _type__labels, _type_slotted, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt__labels, _dflt_slotted, _return_type):
 def __init__(self,name:_type_name,in_call:_type_in_call,_structure:_type__structure,_start:_type__start,_end:_type__end,_labels:_type__labels=_dflt__labels,slotted:_type_slotted=_dflt_slotted)->_return_type:
  self.name=name
  self.in_call=in_call
  self._structure=_structure
  self._start=_start
  self._end=_end
  self._labels=_labels
  self.slotted=slotted
 return __init__
CODE['6e8560903d12a6e7b73c402412fc03a8c8089e66b133b18ad17803b9d40e43ef'] = __create_fn__.__code__

def __create_fn__():
 def __repr__(self):
  return self.__class__.__qualname__ + f"(name={self.name!r}, in_call={self.in_call!r}, _structure={self._structure!r}, _start={self._start!r}, _end={self._end!r}, slotted={self.slotted!r})"
 return __repr__
CODE['c9321ce2298f8e011f2b0d96908335d0f5600147cd95d20f51d128f0fb96e9f8'] = __create_fn__.__code__

def __create_fn__():
 def __eq__(self,other):
  if other.__class__ is self.__class__:
   return (self.name,self.in_call,self._structure,self._start,self._end,self._labels,self.slotted,)==(other.name,other.in_call,other._structure,other._start,other._end,other._labels,other.slotted,)
  return NotImplemented
 return __eq__
CODE['293737901450fa6dc880e64e04841e974999aa1b997c774629c95a3ecdfa65ec'] = __create_fn__.__code__
